namespace HwEmu.Campaigns;

/// <summary>The result of one faulty run: what the report and the results files hold.</summary>
/// <param name="Run">Global run index.</param>
/// <param name="Fault">Fault entry index.</param>
/// <param name="Outcome">Class.</param>
/// <param name="Activated">The fault was actually applied (a trigger beyond the run, or a TLB entry not cached, leaves it inactive).</param>
/// <param name="DetectionLatencyPs">Injection to detection for detected runs, else -1.</param>
/// <param name="Detail">What differed or what detected it.</param>
/// <param name="Plan">The drawn fault, for reproduction.</param>
public sealed record RunRecord(int Run, int Fault, Outcome Outcome, bool Activated, long DetectionLatencyPs, string Detail, string Plan);
