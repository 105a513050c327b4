namespace ClickOrleans.Tests.Infrastructure;

/// <summary>Where a host project's own build output is, in the configuration the tests were built in.</summary>
public static class BuiltHost
{
    /// <param name="project">The folder under <c>src/</c>: <c>Api</c> or <c>Silo</c>.</param>
    public static string PathOf(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (!File.Exists(Path.Combine(root.FullName, "ClickOrleans.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("ClickOrleans.sln not found above " + AppContext.BaseDirectory);
        }

        return Path.Combine(root.FullName, "src", project, "bin", configuration, testOutput.Name, $"ClickOrleans.{project}.dll");
    }
}
