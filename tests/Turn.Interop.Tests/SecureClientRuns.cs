namespace Turn.Interop.Tests;

/// <summary>coturn's turnutils_uclient and openssl s_client runs shared by the TLS and DTLS interop tests.</summary>
internal static class SecureClientRuns
{
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan OpenSslTimeout = TimeSpan.FromSeconds(20);

    /// <summary>coturn's uclient against 127.0.0.1:<paramref name="port"/> with the echo peer on <paramref name="peerPort"/>; must exit 0.</summary>
    public static string Uclient(int port, int peerPort, string[] args)
    {
        (int code, string output) = RunningProcess.Run(
            RepoPaths.Coturn("turnutils_uclient"),
            ["-p", port.ToString(), "-r", peerPort.ToString(), .. args, "127.0.0.1"],
            ClientTimeout);
        Assert.True(code == 0, $"uclient exited {code}:\n{output}");
        return output;
    }

    /// <summary>openssl s_client (TLS, or DTLS with -dtls1_2) with stdin at EOF: handshake, print, close.</summary>
    public static string SClient(int port, string options)
    {
        (_, string output) = RunningProcess.Run(
            "/bin/sh",
            ["-c", $"openssl s_client -connect 127.0.0.1:{port} {options} </dev/null"],
            OpenSslTimeout);
        return output;
    }

    public static void AssertNoLoss(string output)
    {
        Assert.Matches(@"Total lost packets 0 \(0\.0+%\)", output);
        Assert.DoesNotContain("Cannot complete", output);
    }

    public static string[] Split(string mode) => mode.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
