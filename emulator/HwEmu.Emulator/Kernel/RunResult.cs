namespace HwEmu.Emulator.Kernel;

/// <summary>Why a <see cref="Simulator"/> run returned.</summary>
public enum StopReason
{
    /// <summary>No event is pending.</summary>
    Idle,
    /// <summary>The next pending event is later than the time limit (or none is left); <see cref="Simulator.Now"/> is the limit.</summary>
    TimeLimit,
    /// <summary>The predicate of <see cref="Simulator.RunWhile"/> returned false.</summary>
    PredicateFalse,
    /// <summary>An event called <see cref="Simulator.RequestStop"/>.</summary>
    StopRequested,
}

/// <summary>Outcome of a <see cref="Simulator"/> run.</summary>
/// <param name="Reason">Why the run returned.</param>
/// <param name="TimePs">Simulated time when it returned, in picoseconds.</param>
/// <param name="EventsExecuted">Events dispatched during this run.</param>
public readonly record struct RunResult(StopReason Reason, ulong TimePs, long EventsExecuted);
