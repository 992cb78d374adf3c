using System.Globalization;
using System.Text;

namespace Turn.Protocol;

/// <summary>
/// The derived property of a code point under the PRECIS FreeformClass (RFC 8264 §8 and §9), computed from
/// the BCL's Unicode categories plus the few tables the BCL does not expose.
/// </summary>
internal static class PrecisTables
{
    internal enum Property
    {
        Valid,
        ContextJ,
        ContextO,
        Disallowed,
    }

    /// <summary>
    /// RFC 8264 §8 order: Exceptions, BackwardCompatible (empty), Unassigned, ASCII7, JoinControl,
    /// OldHangulJamo, PrecisIgnorableProperties, Controls, HasCompat, then the Freeform categories.
    /// </summary>
    internal static Property Classify(int cp)
    {
        // Exceptions (RFC 5892 §2.6).
        switch (cp)
        {
            case 0x00DF or 0x03C2 or 0x06FD or 0x06FE or 0x0F0B or 0x3007:
                return Property.Valid;
            case 0x00B7 or 0x0375 or 0x05F3 or 0x05F4 or 0x30FB:
            case >= 0x0660 and <= 0x0669:
            case >= 0x06F0 and <= 0x06F9:
                return Property.ContextO;
            case 0x0640 or 0x07FA or 0x302E or 0x302F or (>= 0x3031 and <= 0x3035) or 0x303B:
                return Property.Disallowed;
        }

        UnicodeCategory category = CharUnicodeInfo.GetUnicodeCategory(cp);
        if (category == UnicodeCategory.OtherNotAssigned)
        {
            return Property.Disallowed; // Unassigned (noncharacters are Cn as well)
        }

        if (cp is >= 0x21 and <= 0x7E)
        {
            return Property.Valid; // ASCII7
        }

        if (cp is 0x200C or 0x200D)
        {
            return Property.ContextJ; // JoinControl
        }

        if (IsOldHangulJamo(cp) || IsDefaultIgnorable(cp) || IsNoncharacter(cp) || category == UnicodeCategory.Control)
        {
            return Property.Disallowed;
        }

        switch (category)
        {
            // LetterDigits (PVALID) and OtherLetterDigits, Spaces, Symbols, Punctuation (FREE_PVAL).
            case UnicodeCategory.LowercaseLetter or UnicodeCategory.UppercaseLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ModifierLetter or UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.TitlecaseLetter or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.EnclosingMark:
            case UnicodeCategory.SpaceSeparator:
            case UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol:
            case UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation:
                return Property.Valid;
        }

        // Format, PrivateUse, Surrogate, LineSeparator, ParagraphSeparator: only HasCompat saves them (FREE_PVAL).
        return HasCompat(cp) ? Property.Valid : Property.Disallowed;
    }

    /// <summary>RFC 5892 Appendix A rules for the CONTEXTJ / CONTEXTO code point at <paramref name="index"/>.</summary>
    internal static bool ContextRuleHolds(int[] cps, int index)
    {
        int cp = cps[index];
        int before = index > 0 ? cps[index - 1] : -1;
        int after = index + 1 < cps.Length ? cps[index + 1] : -1;
        switch (cp)
        {
            case 0x200C: // ZERO WIDTH NON-JOINER (A.1): after a virama (the Arabic joining-type branch is not implemented)
            case 0x200D: // ZERO WIDTH JOINER (A.2): after a virama
                return before >= 0 && IsVirama(before);
            case 0x00B7: // MIDDLE DOT (A.3): between two 'l'
                return before == 'l' && after == 'l';
            case 0x0375: // GREEK LOWER NUMERAL SIGN (A.4): followed by Greek
                return after >= 0 && IsGreek(after);
            case 0x05F3 or 0x05F4: // HEBREW GERESH / GERSHAYIM (A.5, A.6): preceded by Hebrew
                return before >= 0 && IsHebrew(before);
            case 0x30FB: // KATAKANA MIDDLE DOT (A.7): some Hiragana, Katakana or Han in the string
                foreach (int other in cps)
                {
                    if (other != 0x30FB && IsHiraganaKatakanaHan(other))
                    {
                        return true;
                    }
                }

                return false;
            case >= 0x0660 and <= 0x0669: // ARABIC-INDIC DIGITS (A.8): no extended Arabic-Indic digits
                return !Array.Exists(cps, c => c is >= 0x06F0 and <= 0x06F9);
            case >= 0x06F0 and <= 0x06F9: // EXTENDED ARABIC-INDIC DIGITS (A.9): no Arabic-Indic digits
                return !Array.Exists(cps, c => c is >= 0x0660 and <= 0x0669);
            default:
                return false;
        }
    }

    // Hangul_Syllable_Type L, V or T (RFC 5892 §2.9).
    private static bool IsOldHangulJamo(int cp) => cp is (>= 0x1100 and <= 0x11FF) or (>= 0xA960 and <= 0xA97F) or (>= 0xD7B0 and <= 0xD7FF);

    private static bool IsNoncharacter(int cp) => cp is >= 0xFDD0 and <= 0xFDEF || (cp & 0xFFFE) == 0xFFFE;

    // Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt).
    private static bool IsDefaultIgnorable(int cp) => cp switch
    {
        0x00AD or 0x034F or 0x061C or 0x3164 or 0xFEFF or 0xFFA0 => true,
        >= 0x115F and <= 0x1160 => true,
        >= 0x17B4 and <= 0x17B5 => true,
        >= 0x180B and <= 0x180F => true,
        >= 0x200B and <= 0x200F => true,
        >= 0x202A and <= 0x202E => true,
        >= 0x2060 and <= 0x206F => true,
        >= 0xFE00 and <= 0xFE0F => true,
        >= 0xFFF0 and <= 0xFFF8 => true,
        >= 0x1BCA0 and <= 0x1BCA3 => true,
        >= 0x1D173 and <= 0x1D17A => true,
        >= 0xE0000 and <= 0xE0FFF => true,
        _ => false,
    };

    // Compatibility decomposition exists: NFKC changes the code point.
    private static bool HasCompat(int cp)
    {
        if (!Rune.IsValid(cp) || cp is >= 0xD800 and <= 0xDFFF)
        {
            return false;
        }

        string s = new Rune(cp).ToString();
        try
        {
            return !string.Equals(s.Normalize(NormalizationForm.FormKC), s, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException)
        {
            return false; // invalid text, or no normalization data (InvariantGlobalization without ICU)
        }
    }

    // Canonical_Combining_Class = Virama (9) for the scripts in common use.
    private static bool IsVirama(int cp) => cp is 0x094D or 0x09CD or 0x0A4D or 0x0ACD or 0x0B4D or 0x0BCD or 0x0C4D
        or 0x0CCD or 0x0D3B or 0x0D3C or 0x0D4D or 0x0DCA or 0x0E3A or 0x0EBA or 0x0F84 or 0x1039 or 0x103A or 0x1714
        or 0x1715 or 0x1734 or 0x17D2 or 0x1A60 or 0x1B44 or 0x1BAA or 0x1BAB or 0x1BF2 or 0x1BF3 or 0x2D7F or 0xA806
        or 0xA82C or 0xA8C4 or 0xA953 or 0xA9C0 or 0xAAF6 or 0xABED or 0x10A3F or 0x11046 or 0x11070 or 0x1107F
        or 0x110B9 or 0x11133 or 0x11134 or 0x111C0 or 0x11235 or 0x112EA or 0x1134D or 0x11442 or 0x114C2 or 0x115BF
        or 0x1163F or 0x116B6 or 0x1172B or 0x11839 or 0x1193D or 0x1193E or 0x119E0 or 0x11A34 or 0x11A47 or 0x11A99
        or 0x11C3F or 0x11D44 or 0x11D45 or 0x11D97;

    private static bool IsGreek(int cp) => cp is (>= 0x0370 and <= 0x03FF and not 0x0375 and not 0x037E and not 0x0387)
        or (>= 0x1F00 and <= 0x1FFF) or (>= 0x10140 and <= 0x1018F);

    private static bool IsHebrew(int cp) => cp is (>= 0x0591 and <= 0x05F4) or (>= 0xFB1D and <= 0xFB4F);

    private static bool IsHiraganaKatakanaHan(int cp) => cp is (>= 0x3040 and <= 0x309F) or (>= 0x30A0 and <= 0x30FF)
        or (>= 0x31F0 and <= 0x31FF) or (>= 0xFF66 and <= 0xFF9F) or (>= 0x1B000 and <= 0x1B16F) // kana
        or 0x3005 or 0x3007 or (>= 0x3021 and <= 0x3029) or (>= 0x3038 and <= 0x303B)
        or (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF)
        or (>= 0x20000 and <= 0x3134F); // Han
}
