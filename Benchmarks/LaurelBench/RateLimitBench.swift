import ArgumentParser
import Foundation
import HTTPTypes
import LaurelServer

/// What a rate-limit check costs on its own: admissions to a `RateLimiter` from concurrent tasks,
/// callers spread as a busy server's would be, with the three `RateLimit-*` headers written each time.
struct RateLimitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rate-limit",
                                                    abstract: "Admissions to the rate limiter alone: CPU per request, from concurrent tasks.")
    @Option(help: "Admissions in all.") var admissions = 2_000_000
    @Option(help: "Distinct callers (API keys) the admissions are spread over.") var callers = 1000
    @Option(help: "Concurrent tasks.") var tasks = 2

    func run() async throws {
        let limiter = RateLimiter()
        let limit = RateLimit.perSecond(1_000_000)
        let identities = (0..<callers).map { "key_\($0)" }
        let perTask = admissions / tasks
        let cpuBefore = cpuSeconds()
        let clock = ContinuousClock()
        let elapsed = await clock.measure {
            await withTaskGroup(of: Int.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var admitted = 0
                        var headers = HTTPFields()
                        for index in 0..<perTask {
                            let decision = limiter.admit(identity: identities[(index &* 7 &+ task) % identities.count], limit: limit, now: Date())
                            headers[HTTPField.Name("RateLimit-Limit")!] = String(decision.limit)
                            headers[HTTPField.Name("RateLimit-Remaining")!] = String(decision.remaining)
                            headers[HTTPField.Name("RateLimit-Reset")!] = String(decision.reset)
                            if decision.admitted { admitted += 1 }
                        }
                        return admitted + headers.count - 3
                    }
                }
                var admitted = 0
                for await count in group { admitted += count }
                precondition(admitted == perTask * tasks, "every admission within the limit is admitted")
            }
        }
        let cpu = cpuSeconds() - cpuBefore
        let total = perTask * tasks
        say(String(format: "rate-limit: %d admissions over %d callers from %d tasks in %.2f s wall, %.2f s CPU: %.0f ns of CPU per admission, %.0f admissions/s",
                   total, callers, tasks, elapsed.seconds, cpu, cpu / Double(total) * 1e9, Double(total) / elapsed.seconds))
    }
}
