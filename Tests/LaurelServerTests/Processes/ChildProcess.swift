import Foundation
import Synchronization

/// A process started by a test (`laurel serve`, a `laurel` command, bash), which inherits nothing
/// of the test process but the standard input (/dev/null), output and error (files) it is given.
///
/// Why not Foundation's `Process`: on Linux it closes the test process's descriptors in the child
/// by a list made from `/proc/self/fd` before it forks, so a descriptor another test opens in
/// between is inherited — and SwiftNIO opens every socket without close-on-exec. A `laurel serve`
/// started that way kept, for its whole life, whatever the parallel tests opened in that moment:
/// the listener `TestPorts` had just bound to check a port (the next server on that port then
/// failed with "Address already in use" while connections to it waited in the leaked listener's
/// backlog, unanswered), test servers' connections, and the socket through which Foundation learns
/// that *another* child exited (that child then seemed to run until the inheritor ended). Here
/// `posix_spawn` closes every descriptor from 3 up in the child itself (`addclosefrom_np`), so
/// nothing opened at any moment can leak; exits are seen with `waitpid`, polled (no run loop, no
/// manager thread, no blocked thread of the test pool).
final class ChildProcess: Sendable {
    let pid: pid_t
    let executable: String
    /// The exit status (or 128 + the signal that ended it) once the process has exited and been reaped.
    private let ended = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`; its output and errors go to the files `output` and
    /// `errors` (created or truncated; the same path for both shares one file), or to /dev/null when nil.
    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
         output: String? = nil, errors: String? = nil) throws {
        self.executable = executable
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let directory { try Self.check(Self.addChdir(&actions, directory), "chdir \(directory)") }
        try Self.check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "stdin")
        try Self.check(posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644), "stdout")
        if let errors, errors != output {
            try Self.check(posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644), "stderr")
        } else if errors == nil && output != nil {
            try Self.check(posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0), "stderr")
        } else {
            try Self.check(posix_spawn_file_actions_adddup2(&actions, 1, 2), "stderr")
        }
        try Self.check(Self.addCloseFrom(&actions, 3), "closefrom")

        // Default signal handling and no blocked signals, whatever the spawning thread had: a
        // server must stop on SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ChildProcessError(what: "posix_spawn \(executable)", code: result) }
        self.pid = pid
    }

    /// Whether the process is still running (reaping it once it has exited).
    var isRunning: Bool { status == nil }

    /// The exit status once the process has exited (128 + signal when a signal ended it), else nil.
    var status: Int32? {
        ended.withLock { ended in
            if ended == nil {
                var raw: Int32 = 0
                let result = waitpid(pid, &raw, WNOHANG)
                if result == pid {
                    let signal = raw & 0x7f
                    ended = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
                } else if result == -1 && errno == ECHILD {
                    ended = -1 // reaped by someone else: gone, status unknown
                }
            }
            return ended
        }
    }

    /// Sends `signal` (SIGTERM by default) unless the process has already exited.
    func signal(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits until the process exits or `limit` has passed, polling; true when it has exited.
    @discardableResult
    func waitForExit(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !isRunning
    }

    /// Stops the process: `signal`, up to `grace` for it to exit, then SIGKILL and a wait until it is gone.
    func stop(_ signal: Int32 = SIGTERM, grace: Duration = .seconds(10)) async {
        guard isRunning else { return }
        kill(pid, signal)
        if await waitForExit(within: grace) { return }
        kill(pid, SIGKILL)
        await waitForExit(within: .seconds(30))
    }

    private static func check(_ result: Int32, _ what: String) throws {
        guard result == 0 else { throw ChildProcessError(what: what, code: result) }
    }

    // glibc's `_np` file actions (2.29, 2.34) are declared only under _GNU_SOURCE; found at run time.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias Chdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32 {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return ENOSYS }
        return unsafeBitCast(symbol, to: CloseFrom.self)(actions, from)
    }

    private static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return ENOSYS }
        return path.withCString { unsafeBitCast(symbol, to: Chdir.self)(actions, $0) }
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let what: String
    let code: Int32
    var description: String { "\(what): \(String(cString: strerror(code)))" }
}
