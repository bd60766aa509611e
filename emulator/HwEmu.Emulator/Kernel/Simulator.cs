using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
// The queue structure chosen by measurement (docs/kernel.md, "Event queue").
using EventQueue = HwEmu.Emulator.Kernel.CalendarEventQueue;

namespace HwEmu.Emulator.Kernel;

/// <summary>
/// The discrete-event simulation kernel: one simulated clock in picoseconds and one queue of pending events,
/// executed in the total order (time, priority, insertion sequence). Single-threaded and deterministic: the same
/// schedule calls produce the same dispatch order on every run and every machine.
/// </summary>
/// <remarks>
/// <para>Scheduling does not allocate: an event is a value-type heap entry plus a record in a slot table that holds
/// the handler reference and the payload. Cancellation is lazy: <see cref="Cancel"/> frees the slot and the heap
/// entry is discarded when it reaches the top (or when cancelled entries outnumber live ones, by a compaction).</para>
/// <para>Lower <c>priority</c> values run first among events of the same time; events of equal time and priority
/// run in the order they were scheduled.</para>
/// </remarks>
public sealed class Simulator
{
    /// <summary>Record of a scheduled event, at the index its heap entry and handle carry.</summary>
    private struct EventSlot
    {
        /// <summary>Sequence number of the event occupying the slot; 0 when the slot is free.</summary>
        public ulong Sequence;
        public ulong Payload;
        public IEventHandler? Target;
    }

    private const int CompactionMinimum = 1024;

    private readonly EventQueue _queue = new();
    private EventSlot[] _slots = new EventSlot[256];
    private int[] _freeSlots = new int[256];
    private int _freeCount;
    private int _slotsUsed;           // slots [0, _slotsUsed) have been handed out at least once
    private ulong _nextSequence = 1;
    private int _live;                // scheduled, not yet run or cancelled
    private int _staleInQueue;        // cancelled entries still in the heap (excluding a dispatched root)
    private bool _rootDispatched;     // the heap root has been dispatched but not yet removed (see Dispatch)
    private bool _running;
    private bool _stopRequested;
    private long _eventsExecuted;
    private long _eventsCancelled;
    private long _wallTicks;

    /// <summary>Creates a simulator at time 0.</summary>
    /// <param name="seed">Run seed from which every component's <see cref="DeterministicRandom"/> is derived.</param>
    public Simulator(ulong seed = 0) => Seed = seed;

    /// <summary>
    /// Returns the simulator to the state of a new one with the same <see cref="Seed"/> (time 0, no events, sequence
    /// and slot numbering from the start, counters zero) while keeping its arrays, so a caller running many short
    /// simulations (fault campaigns) does not rebuild the queue each time. Dispatch order depends only on
    /// (time, priority, sequence), so a reset simulator runs the same schedule exactly as a new one.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called while the simulator is running.</exception>
    public void Reset()
    {
        if (_running) throw new InvalidOperationException("Reset while running");
        _queue.Clear();
        Array.Clear(_slots, 0, _slotsUsed);
        _freeCount = 0;
        _slotsUsed = 0;
        _nextSequence = 1;
        _live = 0;
        _staleInQueue = 0;
        _rootDispatched = false;
        _stopRequested = false;
        _eventsExecuted = 0;
        _eventsCancelled = 0;
        _wallTicks = 0;
        Now = 0;
    }

    /// <summary>Current simulated time in picoseconds.</summary>
    public ulong Now { get; private set; }

    /// <summary>The run seed.</summary>
    public ulong Seed { get; }

    /// <summary>Events scheduled and neither run nor cancelled.</summary>
    public int PendingEvents => _live;

    /// <summary>Counters since creation.</summary>
    public SimulatorStatistics Statistics =>
        new(_eventsExecuted, _eventsCancelled, Now, TimeSpan.FromSeconds((double)_wallTicks / Stopwatch.Frequency));

    /// <summary>
    /// A random stream for the component <paramref name="componentName"/>, derived from <see cref="Seed"/> and the
    /// name only, so adding a component never changes another component's stream.
    /// </summary>
    public DeterministicRandom CreateRandom(string componentName) => new(Seed, componentName);

    // ------------------------------------------------------------------------------------------------ scheduling

    /// <summary>Schedules <paramref name="target"/> to be called <paramref name="delayPs"/> picoseconds from now.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The firing time does not fit in 64 bits.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EventHandle Schedule(ulong delayPs, IEventHandler target, ulong payload = 0, int priority = 0)
    {
        ulong time = Now + delayPs;
        if (time < delayPs) ThrowTimeOverflow(delayPs);
        return Insert(time, target, payload, priority);
    }

    /// <summary>Schedules <paramref name="target"/> to be called at the absolute time <paramref name="timePs"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timePs"/> is before <see cref="Now"/> (a programming error).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EventHandle ScheduleAt(ulong timePs, IEventHandler target, ulong payload = 0, int priority = 0)
    {
        if (timePs < Now) ThrowInPast(timePs);
        return Insert(timePs, target, payload, priority);
    }

    /// <summary>
    /// Schedules <paramref name="target"/> on an edge of <paramref name="clock"/>: the edge <paramref name="cycles"/>
    /// cycles after the first edge at or after <see cref="Now"/> (0 = that first edge).
    /// </summary>
    public EventHandle Schedule(ClockDomain clock, ulong cycles, IEventHandler target, ulong payload = 0, int priority = 0)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return ScheduleAt(clock.After(Now, cycles), target, payload, priority);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private EventHandle Insert(ulong time, IEventHandler target, ulong payload, int priority)
    {
        if (target is null) ThrowNullTarget();
        int slot = _freeCount > 0 ? _freeSlots[--_freeCount] : NewSlot();
        ulong seq = _nextSequence++;
        ref EventSlot s = ref _slots[slot];
        s.Sequence = seq;
        s.Payload = payload;
        s.Target = target;
        var entry = new EventEntry(time, priority, seq, slot);
        if (_rootDispatched)
        {
            // The root is the event being dispatched right now: overwrite it with one sift instead of a removal
            // sift plus an insertion sift. The common "re-arm myself" pattern hits this path.
            _rootDispatched = false;
            _queue.ReplaceRoot(entry);
        }
        else
        {
            _queue.Push(entry);
        }
        _live++;
        return new EventHandle(seq, slot);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int NewSlot()
    {
        if (_slotsUsed == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
            Array.Resize(ref _freeSlots, _slots.Length);
        }
        return _slotsUsed++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FreeSlot(int slot)
    {
        ref EventSlot s = ref _slots[slot];
        s.Sequence = 0;
        s.Target = null;
        _freeSlots[_freeCount++] = slot;
    }

    /// <summary>True when <paramref name="handle"/> refers to an event that has neither run nor been cancelled.</summary>
    public bool IsPending(EventHandle handle) =>
        handle.IsValid && (uint)handle.Slot < (uint)_slotsUsed && _slots[handle.Slot].Sequence == handle.Sequence;

    /// <summary>
    /// Cancels a pending event. Returns false when the handle is invalid or its event already ran or was cancelled.
    /// May be called from inside an event, including for events at the current time.
    /// </summary>
    public bool Cancel(EventHandle handle)
    {
        if (!IsPending(handle)) return false;
        FreeSlot(handle.Slot);
        _live--;
        _staleInQueue++;
        _eventsCancelled++;
        if (_staleInQueue >= CompactionMinimum && _staleInQueue > _queue.Count / 2) Compact();
        return true;
    }

    /// <summary>Drops cancelled entries from the heap so that re-arming timers cannot grow it without bound.</summary>
    private void Compact()
    {
        var entries = _queue.Entries;
        int kept = 0;
        for (int i = 0; i < entries.Length; i++)
        {
            ref readonly var e = ref entries[i];
            if (_slots[e.Slot].Sequence == e.Sequence) entries[kept++] = e;
        }
        _queue.Rebuild(kept);
        _staleInQueue = 0;
        _rootDispatched = false; // a dispatched root is stale too, so it was dropped above
    }

    // ------------------------------------------------------------------------------------------------ running

    /// <summary>
    /// Runs every event up to and including time <paramref name="timePs"/>, then sets <see cref="Now"/> to
    /// <paramref name="timePs"/>. Later events stay pending.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timePs"/> is before <see cref="Now"/>.</exception>
    public RunResult RunUntil(ulong timePs)
    {
        if (timePs < Now) ThrowInPast(timePs);
        return Run(timePs, null, advanceToLimit: true);
    }

    /// <summary>Runs until no event is pending (or a stop is requested).</summary>
    public RunResult RunUntilIdle() => Run(ulong.MaxValue, null, advanceToLimit: false);

    /// <summary>Runs while <paramref name="predicate"/> is true; it is evaluated before each event.</summary>
    public RunResult RunWhile(Func<bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Run(ulong.MaxValue, predicate, advanceToLimit: false);
    }

    /// <summary>
    /// Makes the current run return after the event being executed (call it from inside an event). A request made
    /// while no run is active has no effect.
    /// </summary>
    public void RequestStop()
    {
        if (_running) _stopRequested = true;
    }

    private RunResult Run(ulong limit, Func<bool>? predicate, bool advanceToLimit)
    {
        if (_running) throw new InvalidOperationException("the simulator is already running (a run method was called from inside an event)");
        _running = true;
        _stopRequested = false;
        long start = Stopwatch.GetTimestamp();
        long executedBefore = _eventsExecuted;
        StopReason reason;
        try
        {
            reason = Loop(limit, predicate);
            if (reason == StopReason.Idle && advanceToLimit) reason = StopReason.TimeLimit;
            if (reason == StopReason.TimeLimit) Now = limit;
        }
        finally
        {
            _running = false;
            _stopRequested = false;
            _wallTicks += Stopwatch.GetTimestamp() - start;
        }
        return new RunResult(reason, Now, _eventsExecuted - executedBefore);
    }

    private StopReason Loop(ulong limit, Func<bool>? predicate)
    {
        var queue = _queue;
        while (true)
        {
            if (_rootDispatched)
            {
                _rootDispatched = false;
                queue.RemoveRoot();
            }
            if (queue.Count == 0) return StopReason.Idle;
            ref readonly EventEntry root = ref queue.Root;
            int slot = root.Slot;
            ref EventSlot s = ref _slots[slot];
            if (s.Sequence != root.Sequence)
            {
                // Lazily cancelled.
                _staleInQueue--;
                queue.RemoveRoot();
                continue;
            }
            if (root.Time > limit) return StopReason.TimeLimit;
            if (predicate is not null && !predicate()) return StopReason.PredicateFalse;

            Now = root.Time;
            IEventHandler target = s.Target!;
            ulong payload = s.Payload;
            // Free the slot before the call so the handler may re-arm into it, and so that cancelling the running
            // event returns false. The heap entry stays as the root until the next schedule overwrites it.
            FreeSlot(slot);
            _rootDispatched = true;
            _live--;
            _eventsExecuted++;
            target.OnEvent(payload);
            if (_stopRequested) return StopReason.StopRequested;
        }
    }

    [DoesNotReturn]
    private void ThrowInPast(ulong timePs) =>
        throw new ArgumentOutOfRangeException(nameof(timePs), timePs, $"time {timePs} ps is before the current time {Now} ps");

    [DoesNotReturn]
    private void ThrowTimeOverflow(ulong delayPs) =>
        throw new ArgumentOutOfRangeException(nameof(delayPs), delayPs, $"current time {Now} ps + delay overflows 64-bit picoseconds");

    [DoesNotReturn]
    private static void ThrowNullTarget() => throw new ArgumentNullException("target");
}
