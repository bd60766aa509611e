using System.Text.Json;
using NUnit.Framework;
using static HwEmu.Tests.Cli.HwemuRunner;

namespace HwEmu.Tests.Cli;

public class RunCommandTests
{
    // The trace is written while the run goes; a device that refuses the bytes (Linux's /dev/full: ENOSPC on every
    // write) must end the command with a message naming the file and exit 1, not an unhandled exception.
    [Test]
    public void AFullDiskUnderTheTraceIsReportedNotThrown()
    {
        var r = Hwemu("run", "--duration", "50us", "--trace", "/dev/full");
        Assert.That(r.Code, Is.EqualTo(1), r.Err);
        Assert.That(r.Err, Does.Contain("hwemu: Writing the trace failed").And.Contain("/dev/full"));
    }

    [Test]
    public void DefaultScenarioIsDeterministicAndTheSeedMatters()
    {
        string a = Path.GetTempFileName(), b = Path.GetTempFileName();
        try
        {
            var r1 = Hwemu("run", "--duration", "50us", "--json", a);
            var r2 = Hwemu("run", "--duration", "50us", "--json", b);
            Assert.That(r1.Code, Is.EqualTo(0), r1.Err);
            Assert.That(r2.Code, Is.EqualTo(0), r2.Err);
            Assert.That(File.ReadAllText(a), Is.EqualTo(File.ReadAllText(b)));
            using (var j = JsonDocument.Parse(File.ReadAllText(a)))
            {
                Assert.That(j.RootElement.GetProperty("scenario").GetString(), Is.EqualTo("passthrough-its"));
                Assert.That(j.RootElement.GetProperty("simulatedPs").GetUInt64(), Is.EqualTo(50_000_000UL));
            }
            var r3 = Hwemu("run", "--duration", "50us", "--seed", "8", "--json", b);
            Assert.That(r3.Code, Is.EqualTo(0), r3.Err);
            Assert.That(File.ReadAllText(a), Is.Not.EqualTo(File.ReadAllText(b)));
        }
        finally { File.Delete(a); File.Delete(b); }
    }

    [Test]
    public void SummaryNamesTheScenarioAndTheWallFigures()
    {
        var (code, output, err) = Hwemu("run", "passthrough-its", "--duration", "20us");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.StartWith("scenario passthrough-its  seed 1  simulated 20.000 us"));
        Assert.That(output, Does.Contain("translation latency").And.Contain("DMA transactions").And.Contain("simulated/wall"));
        Assert.That(err, Does.Contain("progress 100%")); // not a terminal: plain progress lines
    }

    [Test]
    public void UnwritableJsonPathIsBadInput()
    {
        var (code, _, err) = Hwemu("run", "--duration", "10us", "--json", "/nonexistent-dir/x.json");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--json").And.Contain("/nonexistent-dir/x.json"));
    }

    [Test]
    public void UnknownBuiltInIsBadInput()
    {
        var (code, _, err) = Hwemu("run", "no-such-scenario");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("no-such-scenario").And.Contain("passthrough-its"));
    }

    [Test]
    public void MalformedScenarioFileNamesTheFileAndThePlace()
    {
        string f = Path.Combine(Path.GetTempPath(), "hwemu-bad-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(f, "{ \"name\": \"x\", \"topology\": { \"rootPorts\": 3 } }");
        try
        {
            var (code, _, err) = Hwemu("run", f);
            Assert.That(code, Is.EqualTo(2));
            Assert.That(err, Does.Contain(Path.GetFileName(f)).And.Contain("$.topology.rootPorts"));
        }
        finally { File.Delete(f); }
    }

    [Test]
    public void PerfettoAndReportFilesAreWritten()
    {
        string p = Path.GetTempFileName(), h = Path.GetTempFileName() + ".html";
        try
        {
            var (code, _, err) = Hwemu("run", "--duration", "10us", "--perfetto", p, "--report", h);
            Assert.That(code, Is.EqualTo(0), err);
            using var j = JsonDocument.Parse(File.ReadAllText(p));
            var events = j.RootElement.GetProperty("traceEvents");
            Assert.That(events.EnumerateArray().Count(e => e.GetProperty("ph").GetString() == "b"), Is.GreaterThan(10));
            Assert.That(events.EnumerateArray().Count(e => e.GetProperty("ph").GetString() == "b"),
                Is.EqualTo(events.EnumerateArray().Count(e => e.GetProperty("ph").GetString() == "e")).Within(64));
            string html = File.ReadAllText(h);
            Assert.That(html, Does.Contain("<svg").And.Contain("passthrough-its"));
        }
        finally { File.Delete(p); File.Delete(h); }
    }

    [Test]
    public void HostCommandsAcceptAScenarioAndSeeItsTopology()
    {
        var (code, output, err) = Hwemu("host", "groups", "passthrough-its");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("0000:01:00.0").And.Contain("0x0000000008000000 0x00000000080fffff msi"));
        string p2p = Path.Combine(HwEmu.Tests.Platform.ScenarioLoaderTests.ExamplesDirectory, "p2p-no-acs.json");
        (code, output, err) = Hwemu("host", "groups", p2p);
        Assert.That(code, Is.EqualTo(0), err);
        // No ACS on the switch: both peers (and the ports above them) are one IOMMU group.
        Assert.That(output, Does.Contain("GROUP /sys/kernel/iommu_groups/0: 0000:00:01.0 0000:01:00.0 0000:02:00.0 0000:02:01.0 0000:03:00.0 0000:04:00.0"));
    }

    [Test]
    public void Gicv2mVfioScenarioFailsWithTheKernelsMessage()
    {
        string v2m = Path.Combine(HwEmu.Tests.Platform.ScenarioLoaderTests.ExamplesDirectory, "passthrough-gicv2m.json");
        var (code, _, err) = Hwemu("run", v2m, "--duration", "10us");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("EPERM").And.Contain("allow_unsafe_interrupts"));
        var ok = Hwemu("run", v2m, "--duration", "20us", "--allow-unsafe-interrupts");
        Assert.That(ok.Code, Is.EqualTo(0), ok.Err);
        // Allowed: the MSI-X vector of the I/O queue is SPI 81 (the frame's second SPI), delivered to CPU 0.
        Assert.That(ok.Out, Does.Match(@"\n81 +0 +[1-9]"));
    }
}
