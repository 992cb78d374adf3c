using Turn.Utils.OAuth;

// turnutils_oauth [ -e / -d ] [options] — coturn's RFC 7635 access-token tool: same flags, output and exit codes.
return OAuthTool.Run(args, Console.OpenStandardOutput(), Console.OpenStandardError(), DateTimeOffset.UtcNow, ProgramName());

// getopt's messages start with argv[0] as typed; /proc/self/cmdline has it (unless run through `dotnet x.dll`).
static string ProgramName()
{
    try
    {
        string cmdline = File.ReadAllText("/proc/self/cmdline");
        int end = cmdline.IndexOf('\0');
        string argv0 = end >= 0 ? cmdline[..end] : cmdline;
        if (argv0.Length > 0 && !string.Equals(Path.GetFileName(argv0), "dotnet", StringComparison.Ordinal))
        {
            return argv0;
        }
    }
    catch (IOException)
    {
    }
    catch (UnauthorizedAccessException)
    {
    }

    return "turnutils_oauth";
}
