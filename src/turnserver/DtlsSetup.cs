using Turn.Configuration;
using Turn.Daemon.Logging;
using Turn.Server.Dtls;
using Turn.Server.Transports.Dtls;
using Turn.Server.Transports.Tls;

namespace Turn.Daemon;

/// <summary>
/// DTLS from the configuration: on unless no-dtls, with the certificate the TLS side loaded (the
/// loader already refused a named certificate that is missing, and turned TLS and DTLS off when
/// none was configured or found; there is never a self-signed fallback).
/// </summary>
internal static class DtlsSetup
{
    /// <summary>False after logging a fatal error; otherwise <paramref name="dtls"/> is the context or null (off).</summary>
    public static bool TryCreate(TurnServerConfig config, TlsServerContext? certificates, ServerLogger log, out DtlsServerContext? dtls)
    {
        dtls = null;
        if (config.NoDtls || certificates is null)
        {
            return true;
        }

        if (config.NoTlsv1_2 && config.NoTlsv1)
        {
            log.Warning("DTLS: no-tlsv1 and no-tlsv1_2 leave no DTLS version to offer: DTLS listeners are not started");
            return true;
        }

        var warnings = new List<string>();
        try
        {
            dtls = DtlsCertificates.CreateContext(certificates, warnings, o => o with
            {
                MaxConcurrentHandshakes = config.DtlsMaxHandshakes,
                MaxHandshakesPerSource = config.DtlsMaxHandshakesPerSource,
            });
        }
        catch (Exception e) when (e is TlsSetupException or InvalidOperationException)
        {
            log.Fatal($"DTLS: {e.Message} (set no-dtls to run without DTLS)");
            Console.Error.WriteLine($"turnserver: DTLS: {e.Message} (set no-dtls to run without DTLS)");
            return false;
        }

        warnings.ForEach(w => log.Warning($"DTLS: {w}"));
        log.Info($"DTLS: {dtls.Describe()}");
        return true;
    }

    /// <summary>After a successful certificate reload: DTLS handshakes that start afterwards use it too.</summary>
    public static void Refresh(TlsServerContext certificates, DtlsServerContext? dtls, ServerLogger log, string signal)
    {
        if (dtls is null)
        {
            return;
        }

        try
        {
            DtlsCertificates.Refresh(certificates, dtls);
        }
        catch (TlsSetupException e)
        {
            log.Error($"{signal}: DTLS keeps the previous certificate: {e.Message}");
        }
    }
}
