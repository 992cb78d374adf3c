using System.Globalization;

namespace Turn.UserDb.Sqlite;

/// <summary>Reads numbers the way coturn's C code does (strtoul/atoi: leading blanks, then leading digits).</summary>
internal static class CNumber
{
    public static ulong? ToULong(object? value) => value switch
    {
        null => null,
        long l => l < 0 ? unchecked((ulong)l) : (ulong)l,
        double d => d < 0 ? null : (ulong)d,
        string s => ParseLeadingDigits(s),
        _ => ParseLeadingDigits(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
    };

    public static int? ToInt(string value)
    {
        ReadOnlySpan<char> s = value.AsSpan().TrimStart();
        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        ulong? magnitude = ParseLeadingDigits(s.ToString());
        if (magnitude is null)
        {
            return null;
        }

        long v = (long)Math.Min(magnitude.Value, int.MaxValue);
        return (int)(negative ? -v : v);
    }

    private static ulong? ParseLeadingDigits(string text)
    {
        ReadOnlySpan<char> s = text.AsSpan().TrimStart();
        int n = 0;
        while (n < s.Length && char.IsAsciiDigit(s[n]))
        {
            n++;
        }

        if (n == 0)
        {
            return null;
        }

        return ulong.TryParse(s[..n], NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : ulong.MaxValue;
    }
}
