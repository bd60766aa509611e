using System.Threading.Channels;
using HwEmu.Emulator.Memory;

namespace HwEmu.Campaigns;

/// <summary>
/// Runs a campaign: one golden run per distinct machine, then the faulty runs of a shard on a worker pool fed by a
/// <see cref="Channel{T}"/> of run indexes. Each run builds its own machine; results land in a slot per run index,
/// so the results — and the report — are the same for any worker count.
/// </summary>
public sealed class CampaignRunner
{
    [ThreadStatic] private static PhysicalMemory? t_memory;
    private readonly Campaign _campaign;
    private readonly Dictionary<MachineSpec, RunObservation> _golden = new();

    /// <summary>Prepares the runner and performs the golden runs; throws <see cref="CampaignException"/> when a golden run is not clean.</summary>
    public CampaignRunner(Campaign campaign)
    {
        _campaign = campaign;
        foreach (var f in campaign.Faults)
        {
            if (_golden.ContainsKey(f.Machine)) continue;
            var obs = Execute(f.Machine, null);
            string? problem = obs.Exception != null ? "an exception: " + obs.Exception
                : obs.Hang ? "a hang"
                : obs.Detections.Count > 0 ? "a detection: " + OutcomeClassifier.Describe(obs.Detections[0])
                : f.Machine.Scenario is null && obs.StepsCompleted != f.Machine.Steps ? $"only {obs.StepsCompleted} of {f.Machine.Steps} steps"
                : f.Machine.Scenario is not null && obs.Dma.Count == 0 ? "no DMA at all" : null;
            if (problem != null)
                throw new CampaignException($"campaign '{campaign.Name}': the golden run of fault '{f.Name}''s machine is not fault-free ({problem}); fix the machine parameters");
            obs.Freeze();
            _golden[f.Machine] = obs;

        }
    }

    /// <summary>Golden observations (tests).</summary>
    public RunObservation Golden(MachineSpec machine) => _golden[machine];

    /// <summary>Runs the machine once with an optional fault; exceptions become <see cref="RunObservation.Exception"/>.</summary>
    public static RunObservation Execute(MachineSpec machine, FaultPlan? fault)
    {
        var obs = new RunObservation();
        try
        {
            if (machine.Scenario is not null)
            {
                ScenarioTarget.Run(machine, fault, obs);
                return obs;
            }
            // One memory per worker thread, zeroed by each run: same contents as a fresh one, no LOH churn.
            t_memory ??= new PhysicalMemory();
            new PassthroughMachine(machine, fault, obs, t_memory).Run();
        }
        catch (Exception ex)
        {
            obs.Exception = ex.GetType().Name + ": " + ex.Message;
        }
        return obs;
    }

    /// <summary>Runs and classifies one faulty run.</summary>
    public RunRecord RunOne(int run)
    {
        var plan = FaultPlan.Derive(_campaign, run);
        var spec = _campaign.Faults[plan.Fault];
        var obs = Execute(spec.Machine, plan);
        var c = OutcomeClassifier.Classify(_golden[spec.Machine], obs);
        return new RunRecord(run, plan.Fault, c.Outcome, obs.InjectedPs != ulong.MaxValue, c.DetectionLatencyPs, c.Detail, plan.ToString());
    }

    /// <summary>
    /// Runs the shard's runs on <paramref name="workers"/> workers. <paramref name="progress"/> is called (from a
    /// worker thread) with the number of runs done after each run.
    /// </summary>
    public async Task<RunRecord[]> RunAsync(int workers, Shard shard, Action<int>? progress = null, CancellationToken cancel = default)
    {
        var runs = shard.Runs(_campaign.TotalRuns).ToArray();
        var results = new RunRecord[runs.Length];
        // All run indexes are queued before the workers start (they are just ints): no producer has to be scheduled
        // between runs, so workers never wait for it. Workers are dedicated threads (LongRunning): a run is a long,
        // CPU-bound piece of work that should not borrow thread-pool threads.
        var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleWriter = true });
        for (int i = 0; i < runs.Length; i++) channel.Writer.TryWrite(i);
        channel.Writer.Complete();
        int done = 0;
        var pool = new Task[Math.Max(1, workers)];
        for (int w = 0; w < pool.Length; w++)
        {
            pool[w] = Task.Factory.StartNew(() =>
            {
                var reader = channel.Reader;
                while (!cancel.IsCancellationRequested && reader.TryRead(out int slot))
                {
                    results[slot] = RunOne(runs[slot]);
                    int n = Interlocked.Increment(ref done);
                    progress?.Invoke(n);
                }
            }, cancel, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        await Task.WhenAll(pool).ConfigureAwait(false);
        cancel.ThrowIfCancellationRequested();
        return results;
    }

    /// <summary>Synchronous wrapper of <see cref="RunAsync"/>.</summary>
    public RunRecord[] Run(int workers, Shard shard, Action<int>? progress = null) =>
        RunAsync(workers, shard, progress).GetAwaiter().GetResult();
}
