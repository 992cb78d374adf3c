namespace Turn.Utils.Rfc5769check;

/// <summary>Prints one line per check and remembers whether any failed.</summary>
internal sealed class CheckReport
{
    private readonly TextWriter _output;

    public CheckReport(TextWriter output, bool verbose)
    {
        _output = output;
        Verbose = verbose;
    }

    public bool Verbose { get; }

    public int Passed { get; private set; }

    public int Failed { get; private set; }

    /// <summary>Records a check: "name: OK" or "name: FAILED: why".</summary>
    public void Check(string name, bool ok, string whyNot)
    {
        if (ok)
        {
            Passed++;
            _output.WriteLine($"{name}: OK");
        }
        else
        {
            Failed++;
            _output.WriteLine($"{name}: FAILED: {whyNot}");
        }
    }

    /// <summary>Extra detail, printed only with -v.</summary>
    public void Detail(string text)
    {
        if (Verbose)
        {
            _output.WriteLine("    " + text);
        }
    }
}
