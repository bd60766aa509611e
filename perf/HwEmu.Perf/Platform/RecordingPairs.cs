using System.Diagnostics;
using HwEmu.Devices.Platform;
using HwEmu.Devices.Platform.Machine;
using HwEmu.Traces.Recording;

namespace HwEmu.Perf.Platform;

/// <summary>
/// One side of the recording-overhead comparison in perf/recording-overhead.sh (mode <c>steady</c>): builds the default
/// scenario's machine, with or without a recorder writing to <see cref="Stream.Null"/>, warms it up with 4 M DMA
/// transactions, then times ten batches of 500 000 and prints the median nanoseconds per transaction. The script runs
/// the two sides as separate processes, alternately, because processes differ from one another by more than the
/// effect being measured.
/// </summary>
public static class RecordingPairs
{
    private const int Batch = 500_000;

    /// <summary>Runs one side: <paramref name="record"/> true attaches the recorder.</summary>
    public static void Run(bool record)
    {
        Scenario s = BuiltInScenarios.PassthroughIts;
        using RunTraceRecorder? recorder = record ? RunTraceRecorder.Create(Stream.Null, s, "perf") : null;
        ScenarioMachine machine = MachineBuilder.Build(s, null, recorder);
        machine.Start();
        for (int i = 0; i < 8; i++) machine.RunTransactions(Batch);
        var perTransaction = new double[10];
        for (int i = 0; i < perTransaction.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            machine.RunTransactions(Batch);
            perTransaction[i] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / Batch;
        }
        Array.Sort(perTransaction);
        Console.WriteLine($"{(perTransaction[4] + perTransaction[5]) / 2:F1}");
    }
}
