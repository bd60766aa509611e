namespace HwEmu.Emulator.Kernel;

/// <summary>Counters of a <see cref="Simulator"/> since it was created.</summary>
/// <param name="EventsExecuted">Events dispatched.</param>
/// <param name="EventsCancelled">Events cancelled before they fired.</param>
/// <param name="SimulatedTimePs">Current simulated time in picoseconds.</param>
/// <param name="WallTime">
/// Host time spent inside run calls. For reports only: nothing in a simulation may depend on it.
/// </param>
public readonly record struct SimulatorStatistics(long EventsExecuted, long EventsCancelled, ulong SimulatedTimePs, TimeSpan WallTime)
{
    /// <summary>Dispatched events per second of host time (0 when no time was measured).</summary>
    public double EventsPerWallSecond => WallTime > TimeSpan.Zero ? EventsExecuted / WallTime.TotalSeconds : 0;
}
