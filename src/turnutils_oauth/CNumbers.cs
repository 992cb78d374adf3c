namespace Turn.Utils.OAuth;

/// <summary>The C library number parsers coturn's tool uses, with their quirks (no errors, saturation, wrap-around).</summary>
internal static class CNumbers
{
    /// <summary>glibc <c>atoi</c>: <c>(int)strtol(s, NULL, 10)</c> — saturated to 64 bits, then cut to the low 32.</summary>
    public static int Atoi(string s)
    {
        int i = SkipSpace(s);
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }

        // |value| saturates at 2^63: enough to tell LONG_MAX / LONG_MIN apart from everything smaller.
        const ulong cap = (ulong)long.MaxValue + 1;
        ulong magnitude = 0;
        for (; i < s.Length && s[i] is >= '0' and <= '9'; i++)
        {
            ulong digit = (ulong)(s[i] - '0');
            magnitude = magnitude > (cap - digit) / 10 ? cap : (magnitude * 10) + digit;
        }

        long value = negative
            ? (magnitude >= cap ? long.MinValue : -(long)magnitude)
            : (magnitude > long.MaxValue ? long.MaxValue : (long)magnitude);
        return unchecked((int)value);
    }

    /// <summary>glibc <c>strtoull(s, 0, 10)</c>: ULLONG_MAX on overflow, a leading '-' negates modulo 2^64.</summary>
    public static ulong Strtoull(string s)
    {
        int i = SkipSpace(s);
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-'))
        {
            negative = s[i] == '-';
            i++;
        }

        ulong value = 0;
        bool overflow = false;
        for (; i < s.Length && s[i] is >= '0' and <= '9'; i++)
        {
            ulong digit = (ulong)(s[i] - '0');
            if (value > (ulong.MaxValue - digit) / 10)
            {
                overflow = true;
            }
            else
            {
                value = (value * 10) + digit;
            }
        }

        if (overflow)
        {
            return ulong.MaxValue;
        }

        return negative ? unchecked(0UL - value) : value;
    }

    private static int SkipSpace(string s)
    {
        int i = 0;
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\v' or '\f' or '\r')
        {
            i++;
        }

        return i;
    }
}
