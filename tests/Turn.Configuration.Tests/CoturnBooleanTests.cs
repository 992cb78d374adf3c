namespace Turn.Configuration.Tests;

public class CoturnBooleanTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("9")]
    [InlineData("42")]
    [InlineData("y")]
    [InlineData("yes")]
    [InlineData("Yes")]
    [InlineData("YES")]
    [InlineData("t")]
    [InlineData("true")]
    [InlineData("True")]
    [InlineData("TRUE")]
    [InlineData("on")]
    [InlineData("On")]
    [InlineData("ON")]
    public void TrueForms(string? value)
    {
        Assert.True(CoturnBoolean.TryParse(value, out var result));
        Assert.True(result);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("00")]
    [InlineData("n")]
    [InlineData("no")]
    [InlineData("No")]
    [InlineData("NO")]
    [InlineData("nonsense")] // coturn looks at the first character only
    [InlineData("f")]
    [InlineData("false")]
    [InlineData("False")]
    [InlineData("FALSE")]
    [InlineData("off")]
    [InlineData("Off")]
    [InlineData("OFF")]
    public void FalseForms(string value)
    {
        Assert.True(CoturnBoolean.TryParse(value, out var result));
        Assert.False(result);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("oN")]
    [InlineData("oFF")]
    [InlineData("enable")]
    [InlineData("-1")]
    [InlineData(" yes")]
    [InlineData("x")]
    public void EverythingElseIsInvalid(string value) => Assert.False(CoturnBoolean.TryParse(value, out _));

    [Theory]
    [InlineData("--no-udp=maybe")]
    [InlineData("--fingerprint=enable")]
    [InlineData("--verbose=oN")]
    public void UnknownBooleanOnTheCommandLineIsFatal(string arg)
    {
        using var env = new TestEnv();
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles("-n", arg));
        Assert.Equal(ConfigErrorKind.InvalidValue, e.Kind);
        Assert.Contains("unknown boolean", e.Message, StringComparison.Ordinal);
        Assert.Contains(arg[(arg.IndexOf('=') + 1)..], e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownBooleanInTheFileIsFatalWithFileAndLine()
    {
        using var env = new TestEnv();
        var path = env.WriteConfig("# comment\nno-tcp=perhaps\n");
        var e = Assert.Throws<ConfigException>(() => env.LoadNoFiles());
        Assert.Equal(path, e.File);
        Assert.Equal(2, e.Line);
        Assert.Equal("no-tcp", e.OptionName);
        Assert.Equal("perhaps", e.Value);
        Assert.Contains($"{path}:2", e.Message, StringComparison.Ordinal);
    }
}
