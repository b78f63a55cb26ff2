namespace Api.Admin;

/// <summary>
/// What a GPU-second costs (<c>Usage:Pricing</c>): the GPU node's size and its hourly list price, as docs/costs.md
/// gives them (a test holds the two together). A node of this size has one GPU; a request's GPU-seconds are its
/// model's working time over the server's slots.
/// </summary>
public sealed class UsagePricing
{
    public const string SectionName = "Usage:Pricing";

    public string GpuNodeSize { get; set; } = "Standard_NC4as_T4_v3";

    public decimal GpuNodeHourlyPrice { get; set; } = 0.53m;

    public string Currency { get; set; } = "USD";

    public decimal CostOf(double gpuSeconds) => Math.Round((decimal)gpuSeconds * GpuNodeHourlyPrice / 3600m, 6);
}
