namespace HwEmu.Campaigns;

/// <summary>When a fault is injected.</summary>
/// <param name="Kind">What the trigger counts.</param>
/// <param name="Value">Step, time in ns, or occurrence index (a range draws per run).</param>
/// <param name="Of">For <see cref="TriggerKind.Nth"/>: the event kind.</param>
public sealed record TriggerSpec(TriggerKind Kind, ValueRange Value, TriggerEvent Of = TriggerEvent.Dma);
