namespace Turn.Protocol.Tests;

/// <summary>RFC 8265 §4.2 OpaqueString.</summary>
public class OpaqueStringTests
{
    [Theory]
    [InlineData("password", "password")]
    [InlineData("correct horse battery staple", "correct horse battery staple")]
    [InlineData("Πλάτων", "Πλάτων")]
    [InlineData("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9")]
    [InlineData("a\u00A0b", "a b")]                  // NO-BREAK SPACE → SPACE
    [InlineData("a\u3000b\u2003c", "a b c")]         // IDEOGRAPHIC SPACE, EM SPACE → SPACE
    [InlineData("e\u0301", "\u00E9")]                // NFC
    [InlineData("\u212B", "\u00C5")]                 // ANGSTROM SIGN → Å under NFC
    [InlineData("TheM\u00AAtr\u2168", "TheM\u00AAtr\u2168")] // compatibility characters are kept (FREE_PVAL)
    [InlineData("\uFF21", "\uFF21")]                 // FULLWIDTH A: no width mapping in OpaqueString
    [InlineData("l\u00B7l", "l\u00B7l")]             // MIDDLE DOT between two l
    [InlineData("\u0915\u094D\u200D", "\u0915\u094D\u200D")] // ZWJ after a virama
    [InlineData("\u30A2\u30FB\u30A4", "\u30A2\u30FB\u30A4")] // KATAKANA MIDDLE DOT with katakana
    [InlineData("😀 emoji", "😀 emoji")]
    [InlineData(" leading and trailing ", " leading and trailing ")]
    public void Prepares(string input, string expected)
    {
        Assert.True(OpaqueString.TryPrepare(input, out string? prepared));
        Assert.Equal(expected, prepared);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("tab\there")]        // control
    [InlineData("nul\0")]            // control
    [InlineData("del\u007F")]        // control
    [InlineData("soft\u00ADhyphen")] // default-ignorable
    [InlineData("zero\u200Bwidth")]  // default-ignorable
    [InlineData("bom\uFEFF")]        // default-ignorable
    [InlineData("\u200D")]           // ZWJ without a virama
    [InlineData("a\u00B7b")]         // MIDDLE DOT not between l's
    [InlineData("\u30FB")]           // KATAKANA MIDDLE DOT alone
    [InlineData("\u0661\u06F1")]     // mixed Arabic-Indic digit sets
    [InlineData("\u1100\u1161")]     // old Hangul jamo (NFC composes this pair to U+AC00, which is allowed) — see next
    [InlineData("\uE000")]           // private use
    [InlineData("\u2028")]           // line separator
    [InlineData("\uFDD0")]           // noncharacter
    [InlineData("x\u0640")]          // ARABIC TATWEEL (exception: disallowed)
    public void Rejects(string? input)
    {
        if (input == "\u1100\u1161")
        {
            // NFC turns the conjoining jamo pair into the syllable 가, which is valid.
            Assert.True(OpaqueString.TryPrepare(input, out string? syllable));
            Assert.Equal("\uAC00", syllable);
            Assert.False(OpaqueString.TryPrepare("\u1100", out _)); // a lone jamo stays and is disallowed
            return;
        }

        Assert.False(OpaqueString.TryPrepare(input, out string? prepared));
        Assert.Null(prepared);
    }

    [Fact]
    public void Rejects_lone_surrogates()
    {
        // Built here: xunit's test data would replace a lone surrogate by U+FFFD.
        Assert.False(OpaqueString.TryPrepare("ab" + (char)0xD800, out _));
        Assert.False(OpaqueString.TryPrepare((char)0xDC00 + "ab", out _));
        Assert.True(OpaqueString.TryPrepare("a\uFFFDb", out _)); // REPLACEMENT CHARACTER itself is a symbol
    }

    [Fact]
    public void IsValid_means_prepared_and_unchanged()
    {
        Assert.True(OpaqueString.IsValid("abc"));
        Assert.False(OpaqueString.IsValid("a\u00A0b"));
        Assert.False(OpaqueString.IsValid(""));
    }
}
