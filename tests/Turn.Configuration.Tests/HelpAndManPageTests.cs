namespace Turn.Configuration.Tests;

public class HelpAndManPageTests
{
    private const string ManPath = "man/turnserver.1";

    [Fact]
    public void HelpListsEveryOptionUnderItsSection()
    {
        var help = HelpWriter.Render();
        Assert.StartsWith("Usage: turnserver [options]", help, StringComparison.Ordinal);
        foreach (var option in OptionTable.All)
        {
            var token = option.HasLongName ? "--" + option.Name : "-" + option.Name;
            Assert.Contains(token, help, StringComparison.Ordinal);
        }

        foreach (var section in Enum.GetValues<OptionSection>())
        {
            Assert.Contains(OptionTable.SectionTitle(section) + ":", help, StringComparison.Ordinal);
        }

        Assert.Contains("-p, --listening-port <port>", help, StringComparison.Ordinal);
        Assert.Contains("-b, --userdb, --db <file>", help, StringComparison.Ordinal);
        Assert.Contains("--stale-nonce[=<seconds>]", help, StringComparison.Ordinal);
        Assert.Contains("Default: 3478.", help, StringComparison.Ordinal);
        Assert.Contains("[*]", help, StringComparison.Ordinal);
        Assert.All(help.Split('\n'), line => Assert.True(line.Length <= 100, line));
    }

    [Fact]
    public void HelpMarksUnimplementedOptionsOnly()
    {
        var help = HelpWriter.Render();
        var mobility = help.Split('\n').SkipWhile(l => !l.Contains("--mobility", StringComparison.Ordinal)).First();
        Assert.Contains("[*]", mobility, StringComparison.Ordinal);
        var port = help.Split('\n').First(l => l.Contains("--listening-port", StringComparison.Ordinal));
        Assert.DoesNotContain("[*]", port, StringComparison.Ordinal);
    }

    [Fact]
    public void ManPageHasTheRequiredSections()
    {
        var man = ManPageWriter.Render();
        foreach (var section in new[] { "NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "CONFIGURATION FILE", "SIGNALS", "FILES", "SEE ALSO" })
        {
            Assert.Contains("\n.SH " + section + "\n", man, StringComparison.Ordinal);
        }

        foreach (var section in Enum.GetValues<OptionSection>())
        {
            Assert.Contains(".SS \"" + OptionTable.SectionTitle(section) + "\"", man, StringComparison.Ordinal);
        }

        foreach (var option in OptionTable.All.Where(o => o.HasLongName))
        {
            Assert.Contains("\\fB\\-\\-" + option.Name.Replace("-", "\\-", StringComparison.Ordinal) + "\\fR", man, StringComparison.Ordinal);
        }

        Assert.Contains("SIGUSR2", man, StringComparison.Ordinal);
        Assert.DoesNotContain("\n\n", man, StringComparison.Ordinal); // blank lines are significant in troff
        Assert.All(man.Split('\n'), line => Assert.False(line.StartsWith('\''), line));
    }

    /// <summary>
    /// man/turnserver.1 must be what the table generates. With TURN_REGENERATE_MAN=1 (scripts/gen-man) the file is
    /// rewritten instead.
    /// </summary>
    [Fact]
    public void ManPageIsUpToDate()
    {
        var path = Path.Combine(TestData.RepoRoot(), ManPath);
        var expected = ManPageWriter.Render();
        if (Environment.GetEnvironmentVariable("TURN_REGENERATE_MAN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, expected);
            return;
        }

        Assert.True(File.Exists(path), $"{ManPath} is missing: run scripts/gen-man");
        var actual = File.ReadAllText(path);
        Assert.True(expected == actual, $"{ManPath} is out of date with the option table: run scripts/gen-man");
    }
}
