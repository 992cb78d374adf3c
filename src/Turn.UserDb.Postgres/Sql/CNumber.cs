using System.Globalization;

namespace Turn.UserDb.Sql;

/// <summary>Reads numbers the way coturn's C code does (strtoul/atoi: leading blanks, then leading digits).</summary>
internal static class CNumber
{
    public static ulong? ToULong(object? value) => value switch
    {
        null or DBNull => null,
        long l => l < 0 ? null : (ulong)l,
        int i => i < 0 ? null : (ulong)i,
        ulong u => u,
        uint u => u,
        decimal d => d < 0 ? null : (ulong)Math.Min(d, ulong.MaxValue),
        string s => ParseLeadingDigits(s),
        _ => ParseLeadingDigits(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
    };

    /// <summary>atoi-like: sign, then leading digits; clamped to int.</summary>
    public static int? ToInt(string? value)
    {
        if (value is null)
        {
            return null;
        }

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

    /// <summary>C's atoi: 0 when there are no leading digits.</summary>
    public static int Atoi(string? value) => ToInt(value) ?? 0;

    public static ulong? ParseLeadingDigits(string? text)
    {
        if (text is null)
        {
            return null;
        }

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
