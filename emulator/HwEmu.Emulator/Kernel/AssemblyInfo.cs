using System.Runtime.CompilerServices;

// The candidate event-queue structures are internal; tests check them against a reference and the benchmarks
// compare them (docs/kernel.md).
[assembly: InternalsVisibleTo("HwEmu.Tests")]
[assembly: InternalsVisibleTo("HwEmu.Perf")]
