namespace Tests.Deployment.Simulation;

/// <summary>
/// How azd finds a service's objects after applying them (azure-dev <c>pkg/tools/kubectl/util.go</c>
/// <c>WaitForResource</c>): <c>kubectl get</c> in the context's namespace (the service's <c>k8s.namespace</c>), then
/// the first item, in the API server's name order, whose name contains the configured name.
/// </summary>
public static class AzdLookup
{
    public static ClusterObject? First(IEnumerable<ClusterObject> cluster, string kind, string ns, string nameFilter) =>
        cluster.Where(o => o.Kind == kind && o.Namespace == ns)
            .OrderBy(o => o.Name, StringComparer.Ordinal)
            .FirstOrDefault(o => o.Name.Contains(nameFilter, StringComparison.Ordinal));
}
