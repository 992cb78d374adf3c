using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Turn.Protocol;

/// <summary>
/// The PRECIS OpaqueString profile (RFC 8265 §4.2), which RFC 8489 applies to usernames, realms and
/// passwords in place of SASLprep.
/// </summary>
/// <remarks>
/// Preparation and enforcement, in the RFC's order:
/// <list type="number">
/// <item>additional mapping: every non-ASCII space (category Zs other than U+0020) becomes U+0020 (§4.2.2 rule 1);</item>
/// <item>normalization: NFC (§4.2.2 rule 4);</item>
/// <item>the result must be valid under the FreeformClass (RFC 8264 §4.3, §9): no controls, no default-ignorable
/// code points or noncharacters, no old Hangul jamo, no unassigned code points, no other disallowed
/// categories (Cf, Co, Cs, Zl, Zp unless they have a compatibility decomposition), and the contextual rules of
/// RFC 5892 Appendix A for ZWJ/ZWNJ, MIDDLE DOT, KERAIA, GERESH/GERSHAYIM, KATAKANA MIDDLE DOT and
/// Arabic-Indic digits;</item>
/// <item>the empty string is rejected (§4.2.3).</item>
/// </list>
/// Unlike SASLprep, OpaqueString does no compatibility mapping: "TheMªtrⅨ" stays as it is, and a soft hyphen
/// (U+00AD, default-ignorable) is rejected rather than removed. Script tests and "preceded by virama" use
/// small built-in tables (the BCL exposes neither the Script nor the Canonical_Combining_Class property).
/// </remarks>
public static class OpaqueString
{
    /// <summary>Prepares and enforces <paramref name="input"/>; false if it is null, empty or not allowed.</summary>
    public static bool TryPrepare(string? input, [NotNullWhen(true)] out string? prepared)
    {
        prepared = null;
        if (string.IsNullOrEmpty(input))
        {
            return false;
        }

        // Fast path: printable ASCII (U+0020..U+007E) is unchanged by every rule.
        bool printableAscii = true;
        foreach (char c in input)
        {
            if (c < 0x20 || c > 0x7E)
            {
                printableAscii = false;
                break;
            }
        }

        if (printableAscii)
        {
            prepared = input;
            return true;
        }

        // A lone surrogate is not a code point at all.
        if (HasLoneSurrogate(input))
        {
            return false;
        }

        // 1. Map non-ASCII spaces to U+0020.
        var mapped = new StringBuilder(input.Length);
        foreach (Rune rune in input.EnumerateRunes())
        {
            if (rune.Value != 0x20 && Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator)
            {
                mapped.Append(' ');
            }
            else
            {
                mapped.Append(rune.ToString());
            }
        }

        // 2. NFC.
        string normalized;
        try
        {
            normalized = mapped.ToString().Normalize(NormalizationForm.FormC);
        }
        catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException)
        {
            return false; // invalid text, or no normalization data (InvariantGlobalization without ICU)
        }

        // 3. FreeformClass enforcement.
        if (normalized.Length == 0 || !IsFreeformValid(normalized))
        {
            return false;
        }

        prepared = normalized;
        return true;
    }

    /// <summary>True if <paramref name="input"/> is already a valid, prepared OpaqueString.</summary>
    public static bool IsValid(string? input) => TryPrepare(input, out string? prepared) && string.Equals(prepared, input, StringComparison.Ordinal);

    private static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return true;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsFreeformValid(string s)
    {
        int[] codePoints = ToCodePoints(s);
        for (int i = 0; i < codePoints.Length; i++)
        {
            int cp = codePoints[i];
            switch (PrecisTables.Classify(cp))
            {
                case PrecisTables.Property.Valid:
                    break;
                case PrecisTables.Property.ContextJ:
                case PrecisTables.Property.ContextO:
                    if (!PrecisTables.ContextRuleHolds(codePoints, i))
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    private static int[] ToCodePoints(string s)
    {
        var list = new List<int>(s.Length);
        foreach (Rune rune in s.EnumerateRunes())
        {
            list.Add(rune.Value);
        }

        return list.ToArray();
    }
}
