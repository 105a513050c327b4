namespace ClickOrleans.Tests.Infrastructure;

/// <summary>Where a host project's own build output is, in the configuration the tests were built in.</summary>
public static class BuiltHost
{
    /// <summary>The checkout the tests were built in: the folder of ClickOrleans.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <param name="project">The folder under <c>src/</c>: <c>Api</c> or <c>Silo</c>.</param>
    public static string PathOf(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(RepositoryRoot, "src", project, "bin", testOutput.Parent!.Name, testOutput.Name, $"ClickOrleans.{project}.dll");
    }

    private static string FindRepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "ClickOrleans.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("ClickOrleans.sln not found above " + AppContext.BaseDirectory);
        }

        return root.FullName;
    }
}
