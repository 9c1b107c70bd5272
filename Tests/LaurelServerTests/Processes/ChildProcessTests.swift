import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A child started while the test process opens and closes sockets on other threads (as the parallel
/// tests do all the time) inherits none of them: only its standard input, output and error.
@Suite struct ChildProcessTests {
    /// The descriptors a process has open, from /proc.
    static func descriptors(of pid: pid_t) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { Int($0) }.sorted()
    }

    /// Binds and closes loopback listeners (sockets SwiftNIO opens without close-on-exec) until `stop` is set.
    static func churnSockets(until stop: Flag) async {
        while !stop.value.load(ordering: .relaxed) {
            if let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get() {
                try? await channel.close()
            }
        }
    }

    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    @Test func aChildInheritsNothingButItsStandardStreams() async throws {
        let stop = Flag()
        var children: [ChildProcess] = []
        // As in a test run: hundreds of descriptors open (the longer Foundation's list of them, the
        // wider its window), and sockets opened and closed on several threads.
        let held = (0..<400).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        defer { held.forEach { close($0) } }
        let churners = (0..<2).map { _ in Task.detached { await Self.churnSockets(until: stop) } }
        for _ in 0..<40 {
            children.append(try ChildProcess("/bin/sleep", ["300"]))
            try await Task.sleep(for: .milliseconds(5))
        }
        stop.value.store(true, ordering: .relaxed)
        for churner in churners { await churner.value }
        for child in children {
            #expect(Self.descriptors(of: child.pid) == [0, 1, 2], "child \(child.pid) holds \(Self.descriptors(of: child.pid))")
            await child.stop()
            #expect(!child.isRunning)
        }
    }

    @Test func statusAndOutputOfAChild() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], output: output, errors: output)
        #expect(await child.waitForExit(within: .seconds(30)))
        #expect(child.status == 3)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "out\nerr\n")

        let killed = try ChildProcess("/bin/sleep", ["30"])
        #expect(killed.isRunning)
        await killed.stop(SIGKILL)
        #expect(killed.status == 128 + SIGKILL)
    }
}
