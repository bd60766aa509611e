using NUnit.Framework;

namespace HwEmu.Tests;

public class SmokeTests
{
    [Test]
    public void ProgramRuns() => Assert.That(HwEmu.Cli.Program.Main([]), Is.EqualTo(0));
}
