using System.Text.Json;
using HwEmu.Cli;
using NUnit.Framework;
using static HwEmu.Tests.Cli.HwemuRunner;

namespace HwEmu.Tests.Cli;

public class CliTests
{
    [Test]
    public void HelpListsTheCommandsAndExitCodes()
    {
        var (code, output, _) = Hwemu("--help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("run").And.Contain("bench").And.Contain("Exit codes"));
    }

    [Test]
    public void VersionPrintsTheAssemblyVersionFromTheRealBinary()
    {
        // --version reports the entry assembly, so run the built hwemu.dll as a process (also checks its exit code).
        var (code, output) = RunProcess("--version");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output.Trim(), Does.StartWith("0.1.0"));
    }

    [Test]
    public void BadUsageExitsWithTwoFromTheRealBinary()
    {
        var (code, _) = RunProcess("run", "--no-such-option");
        Assert.That(code, Is.EqualTo(2));
    }

    private static (int Code, string Output) RunProcess(params string[] args)
    {
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "hwemu.dll");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Test]
    public void UnknownCommandIsBadUsage()
    {
        var (code, _, err) = Hwemu("frobnicate");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("frobnicate"));
    }

    [Test]
    public void BadDurationNamesTheOptionAndTheValue()
    {
        var (code, _, err) = Hwemu("run", "--duration", "12 parsecs");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--duration").And.Contain("12 parsecs"));
    }

    [TestCase("1ms", 1_000_000_000UL)]
    [TestCase("250us", 250_000_000UL)]
    [TestCase("1.5ns", 1_500UL)]
    [TestCase("7ps", 7UL)]
    [TestCase("2s", 2_000_000_000_000UL)]
    public void DurationsParseExactly(string text, ulong ps) => Assert.That(SimDuration.Parse(text, "x"), Is.EqualTo(ps));

    [TestCase("0.5ps")]
    [TestCase("-1ms")]
    [TestCase("ms")]
    [TestCase("0ms")]
    public void BadDurationsAreRejected(string text) => Assert.Throws<BadInputException>(() => SimDuration.Parse(text, "x"));
}
