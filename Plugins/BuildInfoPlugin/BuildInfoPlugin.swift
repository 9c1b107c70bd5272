import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` with the git commit the target is built from, for `laurel --version`.
/// It runs before every build (a commit changes no source file, so a build command would not rerun),
/// rewrites the file only when the commit changed, and says `unknown` outside a git checkout
/// (a source tarball) or without git.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let outputDirectory = context.pluginWorkDirectoryURL.appending(path: "Generated")
        let output = outputDirectory.appending(path: "BuildInfo.swift")
        // $1 package directory, $2 output directory, $3 output file. The commit counts only when the
        // package directory is the top of its own checkout, not a tarball unpacked inside another repository.
        let script = #"""
            mkdir -p "$2"
            top=$(git -C "$1" rev-parse --show-toplevel 2>/dev/null)
            commit=unknown
            if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$1" && pwd -P)" ]; then
                commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null | tr -cd '0-9a-f')
                [ -n "$commit" ] || commit=unknown
            fi
            printf '%s\n' '// Generated before each build by the BuildInfo plugin. Do not edit.' '' \
                '/// Facts about the build, for `laurel --version`.' 'enum BuildInfo {' \
                '    /// The git commit built, or `unknown` when not built from a git checkout.' \
                "    static let commit = \"$commit\"" '}' > "$3.new"
            if cmp -s "$3.new" "$3"; then rm -f "$3.new"; else mv -f "$3.new" "$3"; fi
            """#
        return [
            .prebuildCommand(
                displayName: "Recording the git commit for \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path(percentEncoded: false), outputDirectory.path(percentEncoded: false), output.path(percentEncoded: false)],
                outputFilesDirectory: outputDirectory
            )
        ]
    }
}
