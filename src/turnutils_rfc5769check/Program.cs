using Turn.Utils.Rfc5769check;

// turnutils_rfc5769check: checks the RFC 5769 test vectors (and RFC 8489 Appendix B.1 as corrected by
// erratum 6268) against Turn.Protocol. Exit code 0 only if every check passes.
bool verbose = false;
foreach (string arg in args)
{
    switch (arg)
    {
        case "-v" or "--verbose":
            verbose = true;
            break;
        case "-h" or "--help":
            Console.WriteLine("Usage: turnutils_rfc5769check [-v]");
            Console.WriteLine("  Checks the RFC 5769 STUN test vectors and RFC 8489 Appendix B.1; -v prints decoded values.");
            return 0;
        default:
            Console.Error.WriteLine($"turnutils_rfc5769check: unknown option '{arg}' (use -v for verbose)");
            return 1;
    }
}

var report = new CheckReport(Console.Out, verbose);
VectorChecks.RunAll(report);
Console.WriteLine($"{report.Passed} passed, {report.Failed} failed");
return report.Failed == 0 ? 0 : 1;
