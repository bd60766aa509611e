namespace HwEmu.Campaigns;

/// <summary>Count, share and 95% Wilson interval of one outcome.</summary>
/// <param name="Outcome">The outcome.</param>
/// <param name="Count">Runs.</param>
/// <param name="Percent">Share of the entry's runs, %.</param>
/// <param name="CiLowPercent">Lower 95% bound, %.</param>
/// <param name="CiHighPercent">Upper 95% bound, %.</param>
public sealed record OutcomeShare(Outcome Outcome, int Count, double Percent, double CiLowPercent, double CiHighPercent);
