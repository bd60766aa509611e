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

    [Test]
    public void RunIsDeterministicAndChecksEveryRead()
    {
        string a = Path.GetTempFileName(), b = Path.GetTempFileName();
        try
        {
            var r1 = Hwemu("run", "--duration", "200us", "--seed", "7", "--json", a);
            var r2 = Hwemu("run", "--duration", "200us", "--seed", "7", "--json", b);
            Assert.That(r1.Code, Is.EqualTo(0), r1.Err);
            Assert.That(r2.Code, Is.EqualTo(0), r2.Err);
            using var j1 = JsonDocument.Parse(File.ReadAllText(a));
            using var j2 = JsonDocument.Parse(File.ReadAllText(b));
            Assert.That(j1.RootElement.GetProperty("reads").GetInt64(), Is.GreaterThan(100));
            Assert.That(j1.RootElement.GetProperty("data_mismatches").GetInt64(), Is.EqualTo(0));
            Assert.That(File.ReadAllText(a), Is.EqualTo(File.ReadAllText(b)));
            var r3 = Hwemu("run", "--duration", "200us", "--seed", "8", "--json", b);
            Assert.That(r3.Code, Is.EqualTo(0));
            Assert.That(File.ReadAllText(a), Is.Not.EqualTo(File.ReadAllText(b)));
        }
        finally { File.Delete(a); File.Delete(b); }
    }

    [Test]
    public void DemoThroughputIsBoundedByTheLink()
    {
        string a = Path.GetTempFileName();
        try
        {
            Assert.That(Hwemu("run", "--duration", "500us", "--json", a).Code, Is.EqualTo(0));
            using var j = JsonDocument.Parse(File.ReadAllText(a));
            double gbps = j.RootElement.GetProperty("throughput_gb_per_s").GetDouble();
            // Gen4 x4 carries 7.88 GB/s per direction; reads and writes share no direction for data, so the sum of
            // both can approach but never reach 2 x 7.88, and with 16 in flight the link, not DRAM, is the limit.
            Assert.That(gbps, Is.GreaterThan(5.0).And.LessThan(2 * 7.877));
        }
        finally { File.Delete(a); }
    }

    [Test]
    public void DemoStopsExactlyAtTheDurationWithEverySlotStillInFlight()
    {
        var demo = new HwEmu.Cli.Demo.DmaDemo(seed: 3, outstanding: 8);
        demo.Run(123_456_789);
        Assert.That(demo.Simulator.Now, Is.EqualTo(123_456_789UL));
        Assert.That(demo.Simulator.PendingEvents, Is.EqualTo(8)); // nothing past the end ran, nothing was lost
        Assert.That(demo.Reads + demo.Writes, Is.GreaterThan(0));
    }

    [Test]
    public void UnwritableJsonPathIsBadInput()
    {
        var (code, _, err) = Hwemu("run", "--duration", "10us", "--json", "/nonexistent-dir/x.json");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("/nonexistent-dir/x.json"));
    }
}
