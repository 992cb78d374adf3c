using System.Text;

namespace Turn.Daemon.Logging;

/// <summary>Translates the strftime patterns coturn accepts in new-log-timestamp-format to .NET date formats.</summary>
internal static class StrftimeFormat
{
    public const string Iso8601 = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";

    /// <summary>Returns the .NET format, or null (with the offending specifier) when a specifier is unsupported.</summary>
    public static string? ToDotNet(string strftime, out string? unsupported)
    {
        unsupported = null;
        var sb = new StringBuilder();
        for (int i = 0; i < strftime.Length; i++)
        {
            char c = strftime[i];
            if (c != '%')
            {
                sb.Append(char.IsLetter(c) ? $"'{c}'" : c is '\'' or '"' or '\\' ? $"\\{c}" : c.ToString());
                continue;
            }

            if (++i == strftime.Length)
            {
                unsupported = "%";
                return null;
            }

            string? piece = strftime[i] switch
            {
                'Y' => "yyyy",
                'y' => "yy",
                'm' => "MM",
                'd' => "dd",
                'e' => "%d",
                'H' => "HH",
                'I' => "hh",
                'M' => "mm",
                'S' => "ss",
                'p' => "tt",
                'b' or 'h' => "MMM",
                'B' => "MMMM",
                'a' => "ddd",
                'A' => "dddd",
                'z' => "zzz",
                'Z' => "zzz",
                'F' => "yyyy-MM-dd",
                'T' => "HH:mm:ss",
                'D' => "MM/dd/yy",
                'R' => "HH:mm",
                '%' => "'%'",
                _ => null,
            };
            if (piece is null)
            {
                unsupported = "%" + strftime[i];
                return null;
            }

            sb.Append(piece);
        }

        return sb.ToString();
    }
}
