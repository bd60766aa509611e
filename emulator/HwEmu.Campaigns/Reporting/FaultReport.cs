namespace HwEmu.Campaigns;

/// <summary>Statistics of one fault entry.</summary>
/// <param name="Fault">Entry.</param>
/// <param name="Runs">Runs.</param>
/// <param name="Activated">Runs where the fault was actually applied.</param>
/// <param name="Outcomes">Per outcome, in <see cref="Outcomes.All"/> order.</param>
/// <param name="Latency">Detection latency.</param>
/// <param name="Examples">Up to 10 non-masked, non-detected runs (plan and what differed) for reproduction.</param>
public sealed record FaultReport(FaultInfo Fault, int Runs, int Activated, IReadOnlyList<OutcomeShare> Outcomes, LatencySummary Latency, IReadOnlyList<string> Examples);
