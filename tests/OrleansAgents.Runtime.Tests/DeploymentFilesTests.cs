using OrleansAgents.Testing;
using YamlDotNet.RepresentationModel;

namespace OrleansAgents.Runtime.Tests;

/// <summary>
/// No Docker engine or Kubernetes cluster runs here: these check what can be checked without one, that the
/// files parse and declare what the deployment needs.
/// </summary>
public sealed class DeploymentFilesTests
{
    private static readonly string Root = SiloProcess.RepositoryRoot();

    private static List<YamlMappingNode> Load(string relativePath)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, relativePath));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value ?? "" : "";

    [Fact]
    public void DockerCompose_DeclaresPostgresMigrationTwoWorkersAndAFrontEndWithHealthChecks()
    {
        var compose = Assert.Single(Load("docker-compose.yml"));
        var services = (YamlMappingNode)compose.Children[new YamlScalarNode("services")];
        var names = services.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value).ToList();

        Assert.Equal(["postgres", "migrate", "worker-1", "worker-2", "frontend"], names);
        foreach (var name in new[] { "postgres", "worker-1", "frontend" })
        {
            Assert.True(((YamlMappingNode)services.Children[new YamlScalarNode(name)]).Children.ContainsKey(new YamlScalarNode("healthcheck")), name);
        }

        Assert.True(File.Exists(Path.Combine(Root, "deploy", "docker", "Dockerfile.silo")));
        Assert.True(File.Exists(Path.Combine(Root, "deploy", "docker", "Dockerfile.web")));
        Assert.All(new[] { "Dockerfile.silo", "Dockerfile.web" }, f =>
            Assert.Contains("USER $APP_UID", File.ReadAllText(Path.Combine(Root, "deploy", "docker", f)), StringComparison.Ordinal));
    }

    [Fact]
    public void KubernetesManifests_ParseWithTheExpectedKinds()
    {
        var kinds = new[] { "rbac.yaml", "migrate-job.yaml", "worker.yaml", "frontend.yaml", "secret.example.yaml" }
            .SelectMany(f => Load(Path.Combine("deploy", "k8s", f)))
            .Select(d => Scalar(d, "kind"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(
            ["Deployment", "Deployment", "Job", "PodDisruptionBudget", "PodDisruptionBudget", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount"],
            kinds);
        var worker = Load(Path.Combine("deploy", "k8s", "worker.yaml"))[0].ToString();
        Assert.Contains("terminationGracePeriodSeconds", worker, StringComparison.Ordinal);
        Assert.Contains("secretKeyRef", worker, StringComparison.Ordinal);
    }
}
