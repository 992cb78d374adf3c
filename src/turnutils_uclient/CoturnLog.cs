using System.Diagnostics;

namespace Turn.Utils.Uclient;

/// <summary>
/// Lines in coturn's client log format: "&lt;seconds since start&gt;: : text", errors as "…: : ERROR: text", all on
/// stdout (coturn's uclient logs to stdout).
/// </summary>
internal static class CoturnLog
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static readonly TextWriter Out = CreateWriter();

    /// <summary>Whole seconds since the program started.</summary>
    public static long Seconds => (long)Clock.Elapsed.TotalSeconds;

    public static void Info(string text) => Write(string.Empty, text);

    public static void Warning(string text) => Write("WARNING: ", text);

    public static void Error(string text) => Write("ERROR: ", text);

    public static void Flush() => Out.Flush();

    private static void Write(string level, string text)
    {
        Out.Write(Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Out.Write(": : ");
        Out.Write(level);
        Out.Write(text);
        Out.Write('\n');
        Out.Flush();
    }

    private static StreamWriter CreateWriter()
    {
        var w = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 14) { AutoFlush = false };
        return w;
    }
}
