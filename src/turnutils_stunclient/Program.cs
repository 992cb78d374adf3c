using Turn.Utils.Stunclient;

// turnutils_stunclient [options] <server-address> — coturn's STUN client, same flags, same stdout lines, same exit
// codes (0 after an answer, 1 for a bad option, 255 for a missing address or a fatal error); we also time out.
CommandLine? commandLine = CommandLine.Parse(args, out string? error, out int exitCode);
if (commandLine is null)
{
    Console.Error.Write(error);
    return exitCode;
}

using var session = new StunclientSession(commandLine, new CoturnOutput(Console.Out));
try
{
    return await session.RunAsync();
}
catch (FatalException e)
{
    Console.Out.Flush();
    Console.Error.WriteLine(e.Message);
    return 255;
}
