import Foundation
import PackagePlugin

/// Embeds the files of a target's `Resources` folder in its code at build time (see the
/// `EmbedResources` tool), so an edit to a resource is in the next build with no step to remember.
@main
struct EmbedResourcesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let resources = target.directoryURL.appending(path: "Resources")
        let root = resources.path(percentEncoded: false)
        // Every file below Resources, sub-folders included (the web console's templates, locales
        // and assets live in Resources/web/...); hidden files are skipped.
        let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { path in !path.split(separator: "/").contains { $0.hasPrefix(".") } }
            .map { resources.appending(path: $0) }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedResources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) resource files in \(target.name)",
                executable: try context.tool(named: "EmbedResources").url,
                arguments: [output.path(percentEncoded: false), root] + files.map { $0.path(percentEncoded: false) },
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
