using Api.ModelCalls.Steps;

namespace Api.ModelCalls;

public static class ModelCallsServiceCollectionExtensions
{
    /// <summary>The one path of every model request: its steps (each registered as a step; their order is their own) and the pipeline.</summary>
    public static IServiceCollection AddModelCalls(this IServiceCollection services)
    {
        services.AddSingleton<ModelAccess>();
        services.AddSingleton<SharedModelGate>();
        services.AddSingleton<InspectionStep>();
        services.AddSingleton<IModelCallStep, ShutdownStep>();
        services.AddSingleton<IModelCallStep, BreakerStep>();
        services.AddSingleton<IModelCallStep, ShapeStep>();
        services.AddSingleton<IModelCallStep, RequestCountStep>();
        services.AddSingleton<IModelCallStep, StreamSlotStep>();
        services.AddSingleton<IModelCallStep, BudgetStep>();
        services.AddSingleton<IModelCallStep>(provider => provider.GetRequiredService<InspectionStep>());
        services.AddSingleton<IModelCallStep, ToolSchemaStep>();
        services.AddSingleton<IModelCallStep, ContextStep>();
        services.AddSingleton<IModelCallStep, FairAdmissionStep>();
        services.AddSingleton<ModelCallPipeline>();
        return services;
    }
}
