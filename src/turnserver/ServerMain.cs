using System.Net;
using System.Runtime.InteropServices;
using Turn.Configuration;
using Turn.Daemon.UserDb;
using Turn.Daemon.Logging;
using Turn.Protocol;
using Turn.Server;
using Turn.Server.Engine;
using Turn.Server.Transports;
using Turn.Server.Dtls;
using Turn.Server.Transports.Tls;

namespace Turn.Daemon;

/// <summary>The turnserver process: configuration, logging, listeners, signals, exit codes.</summary>
internal static class ServerMain
{
    private const int ExitOk = 0;
    private const int ExitConfig = 1;
    private const int ExitStartup = 2;

    // Not in PosixSignal: raw Linux numbers are accepted by PosixSignalRegistration.
    private const PosixSignal SigUsr1 = (PosixSignal)10;
    private const PosixSignal SigUsr2 = (PosixSignal)12;

    public static int Run(string[] args)
    {
        ConfigLoadResult loaded;
        try
        {
            loaded = TurnServerConfigLoader.Load(args);
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"turnserver: {e.Message}");
            return ExitConfig;
        }

        if (loaded.ShowHelp)
        {
            Console.Out.Write(loaded.HelpText ?? HelpWriter.Render());
            return ExitOk;
        }

        if (loaded.ShowVersion)
        {
            Console.Out.WriteLine(loaded.VersionText ?? ProductInfo.VersionLine);
            return ExitOk;
        }

        TurnServerConfig config = loaded.Config;
        LogSettings logSettings = LogSettingsFactory.From(config, out string? logProblem);
        using var log = new ServerLogger(logSettings);
        log.Info($"{ProductInfo.Name} {ProductInfo.Version}: coturn-compatible STUN/TURN server, pid {Environment.ProcessId}");
        log.Info(config.ConfigFile is null ? "no configuration file read" : $"configuration file: {config.ConfigFile}");
        if (logSettings.FilePath is not null)
        {
            log.Info($"log file: {logSettings.FilePath}");
        }

        if (logProblem is not null)
        {
            log.Warning(logProblem);
        }

        foreach (string warning in loaded.Warnings)
        {
            log.Warning(warning);
        }

        return Serve(config, log);
    }

    private static int Serve(TurnServerConfig config, ServerLogger log)
    {
        PrivilegeDrop.Identity? dropTo = null;
        if (PrivilegeDrop.Requested(config))
        {
            try
            {
                dropTo = PrivilegeDrop.Resolve(config);
            }
            catch (ConfigException e)
            {
                log.Fatal(e.Message);
                Console.Error.WriteLine($"turnserver: {e.Message}");
                return ExitConfig;
            }
        }

        IReadOnlyList<IPAddress> addresses = config.ListeningIps.Count > 0 ? config.ListeningIps : LocalAddresses.All();
        int workers = config.RelayThreads switch
        {
            null => Environment.ProcessorCount,
            <= 0 => 1,
            int n => n,
        };
        TlsServerContext? tls = null;
        if (EngineSetup.Tls(config) is { } tlsSettings)
        {
            var tlsWarnings = new List<string>();
            try
            {
                tls = TlsServerContext.Create(tlsSettings, tlsWarnings);
            }
            catch (TlsSetupException e)
            {
                log.Fatal($"TLS: {e.Message} (set no-tls and no-dtls to run without TLS and DTLS)");
                Console.Error.WriteLine($"turnserver: TLS: {e.Message} (set no-tls and no-dtls to run without TLS and DTLS)");
                return ExitConfig;
            }

            tlsWarnings.ForEach(w => log.Warning($"TLS: {w}"));
            tls.Notes.ForEach(n => log.Info($"TLS: {n}"));
            log.Info($"TLS: {tls.Describe()}");
        }

        TlsServerContext? certificates = tls; // TLS and DTLS share it (and its reloads)
        if (!DtlsSetup.TryCreate(config, certificates, log, out DtlsServerContext? dtls))
        {
            return ExitConfig;
        }

        tls = config.NoTls ? null : tls;

        bool rfc5780 = NatDiscoverySetup.Enabled(config, addresses, out string? rfc5780Off);
        var plan = new ListenerPlan(addresses, [config.ListeningPort], Udp: !config.NoUdp, Tcp: !config.NoTcp, workers)
        {
            SocketBufferBytes = config.SockBufSize,
            Tls = tls,
            TlsPorts = [config.TlsListeningPort],
            Dtls = dtls,
            Alternates = NatDiscoverySetup.Alternates(config, rfc5780),
            ProxyPort = config.TcpProxyPort,
            ProxyAllowedSources = EngineSetup.ConfiguredRanges(config.TcpProxyAllowedIps),
            TcpLimits = new TcpListenerLimits
            {
                MaxConnectionsPerSource = config.MaxConnectionsPerSource,
                MessageTimeout = TimeSpan.FromSeconds(config.TcpMessageTimeout),
                IdleTimeout = TimeSpan.FromSeconds(config.TcpIdleTimeout),
            },
        };
        if (!plan.Udp && !plan.Tcp && plan.Tls is null && plan.Dtls is null && plan.ProxyPort == 0)
        {
            log.Fatal("no listeners: UDP and TCP are disabled (no-udp, no-tcp), and TLS and DTLS are off");
            return ExitStartup;
        }

        var observer = config.LogBinding ? new BindingLogger(log) : null;
        ListenerSet listeners;
        try
        {
            listeners = ListenerSet.Bind(plan, log);
        }
        catch (ListenerBindException e)
        {
            log.Fatal(e.Message);
            Console.Error.WriteLine($"turnserver: {e.Message}");
            return ExitStartup;
        }

        if (plan.ProxyPort > 0)
        {
            log.Info(config.TcpProxyAllowedIps.Count == 0
                ? "tcp-proxy-port: PROXY headers are accepted from loopback and private addresses only (tcp-proxy-allowed-ip names the load balancers)"
                : $"tcp-proxy-port: PROXY headers are accepted from {string.Join(", ", config.TcpProxyAllowedIps.Select(r => r.From.Equals(r.To) ? r.From.ToString() : $"{r.From}-{r.To}"))} only");
        }

        DatabaseHandle? database;
        try
        {
            database = EngineSetup.UsesAuthentication(config) || config.UserDbType != UserDbType.None
                ? UserDatabaseSelection.Select(config, log)
                : null;
        }
        catch (ConfigException e)
        {
            listeners.Dispose();
            log.Fatal(e.Message);
            Console.Error.WriteLine($"turnserver: {e.Message}");
            return ExitConfig;
        }

        if (database is not null)
        {
            // Bounded: a database that is down does not stop the start; it is retried in the background.
            database.StartAsync().GetAwaiter().GetResult();
        }

        StatsDbReporter? stats = StatsDbSetup.Start(config, log);
        using (listeners)
        {
            NatDiscoveryMap? natDiscovery = rfc5780 ? NatDiscoverySetup.Map(config, addresses, listeners) : null;
            TurnEngineServices services = EngineSetup.Services(config, listeners.ListeningAddresses, database, log, natDiscovery);
            services.AllocationObserver = stats;
            foreach (RelayWorker worker in listeners.Workers)
            {
                worker.Engine = new TurnEngine(services, worker, observer);
            }

            RealmPolicyRefresher? policies = database is null ? null : new RealmPolicyRefresher(database, services, config, log);

            using var stop = new ManualResetEventSlim();
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
            using PosixSignalRegistration intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
            using PosixSignalRegistration hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
            {
                c.Cancel = true;
                log.Reopen();
                log.Info("SIGHUP: log reopened");
                ReloadTls(certificates, dtls, log, "SIGHUP");
            });
            using PosixSignalRegistration usr2 = PosixSignalRegistration.Create(SigUsr2, c =>
            {
                c.Cancel = true;
                ReloadTls(certificates, dtls, log, "SIGUSR2");
            });

            // The pid file is written while still privileged (/run is root's); then root is given up before any
            // packet is read or relay socket opened.
            using PidFile? pid = WritePidFile(config, log);
            if (dropTo is { } who)
            {
                if (PrivilegeDrop.Apply(who) is { } failure)
                {
                    log.Fatal($"proc-user/proc-group: cannot switch to {who}: {failure}");
                    Console.Error.WriteLine($"turnserver: proc-user/proc-group: cannot switch to {who}: {failure}");
                    policies?.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    return ExitStartup;
                }

                log.Info($"privileges dropped: now running as {who} (proc-user/proc-group)");
            }
            else if (NativeMethods.geteuid() == 0)
            {
                log.Warning("running as root: set proc-user and proc-group to give up root after start-up");
            }

            listeners.Start();
            foreach (IPEndPoint ep in listeners.UdpEndPoints)
            {
                log.Info($"listening on UDP {ListenerBindException.Format(ep)} ({workers} worker{(workers == 1 ? "" : "s")}){(dtls is null ? "" : ", DTLS detected too")}");
            }

            foreach (IPEndPoint ep in listeners.DtlsEndPoints)
            {
                log.Info($"listening on DTLS {ListenerBindException.Format(ep)} (plain UDP detected too)");
            }

            foreach (IPEndPoint ep in listeners.TcpEndPoints)
            {
                log.Info($"listening on TCP {ListenerBindException.Format(ep)}{(tls is null ? "" : " (TLS detected too)")}");
            }

            foreach (IPEndPoint ep in listeners.TlsEndPoints)
            {
                log.Info($"listening on TLS {ListenerBindException.Format(ep)}{(plan.Tcp ? " (plain TCP detected too)" : "")}");
            }

            foreach (IPEndPoint ep in listeners.ProxyEndPoints)
            {
                log.Info($"listening on TCP proxy {ListenerBindException.Format(ep)} (PROXY protocol v2 header expected first)");
            }

            log.Info(rfc5780 ? NatDiscoverySetup.Describe(listeners) : $"RFC 5780 NAT behaviour discovery: off ({rfc5780Off})");

            log.Info(services.Options.Authenticate
                ? $"authentication: long-term credentials, realm \"{services.Options.Realm}\"{(config.UseAuthSecret ? ", TURN REST API secrets" : "")}"
                : "authentication: none (no-auth): anyone may allocate a relay");
            if (!services.Options.Authenticate && !config.StunOnly)
            {
                log.Warning("no-auth is set: this server is an open TURN relay that anyone may use; remove no-auth and set users or secrets before exposing it");
            }
            log.Info($"relay ports {config.MinPort}-{config.MaxPort}");

            if (services.Options.Authenticate && config.Users.Count == 0 && database is null && config.StaticAuthSecrets.Count == 0 && !config.OAuth && !config.StunOnly)
            {
                log.Warning("no users or secrets are configured (user=, static-auth-secret or a user database): every Allocate gets 401 until some are");
            }

            string status = services.Options.Authenticate || config.StunOnly ? "listening" : "listening; WARNING: open relay (no-auth)";
            SystemdNotify.Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");
            log.Info($"turnserver is listening: {(config.StunOnly ? "STUN only" : "STUN and TURN")} service ready");

            stop.Wait();
            SystemdNotify.Send("STOPPING=1");
            log.Info("signal received: shutting down");
            policies?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        // The workers reported their last allocations deleted as they stopped: write that, bounded.
        stats?.StopAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
        database?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        log.Info("stopped");
        return ExitOk;
    }

    /// <summary>SIGUSR2 (coturn) and SIGHUP: new handshakes use the re-read certificate; a bad file keeps the old one.</summary>
    private static void ReloadTls(TlsServerContext? tls, DtlsServerContext? dtls, ServerLogger log, string signal)
    {
        if (tls is null)
        {
            if (signal == "SIGUSR2")
            {
                log.Info("SIGUSR2: TLS is off; no certificate to reload");
            }
        }
        else if (tls.Reload(out string? error))
        {
            log.Info($"{signal}: TLS certificate reloaded: {tls.Describe()}");
            DtlsSetup.Refresh(tls, dtls, log, signal);
        }
        else
        {
            log.Error($"{signal}: TLS certificate not reloaded, the previous one stays in use: {error}");
        }
    }

    private static PidFile? WritePidFile(TurnServerConfig config, ServerLogger log)
    {
        string path = config.PidFile ?? PidFile.DefaultPath();
        if (path.Length == 0)
        {
            return null;
        }

        PidFile? pid = PidFile.TryCreate(path, out string? error);
        if (pid is null)
        {
            log.Warning($"pidfile: cannot write {path}: {error}");
        }
        else
        {
            log.Info($"pid file created: {path}");
        }

        return pid;
    }

    /// <summary>--log-binding: one line per answered Binding request.</summary>
    private sealed class BindingLogger(IServerLog log) : IBindingObserver
    {
        public void BindingAnswered(in PacketContext context, int errorCode) =>
            log.Info(errorCode == 0
                ? $"Binding request from {context.Client} ({context.Transport}) answered"
                : $"Binding request from {context.Client} ({context.Transport}) refused with {errorCode}");
    }
}
