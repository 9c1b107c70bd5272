import Foundation
import LaurelCore
import Testing

/// The pure parts of webhook delivery: which addresses the SSRF guard calls non-public, and the
/// retry schedule.
@Suite struct WebhookPolicyTests {
    @Test func nonPublicAddressesAreRecognisedInEveryForm() {
        for text in ["127.0.0.1", "127.255.0.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.0.1", "100.64.0.1", "100.127.1.1",
                     "169.254.169.254", "0.0.0.0", "0.1.2.3", "224.0.0.251", "239.1.1.1", "255.255.255.255", "240.0.0.1",
                     "::1", "::", "[::1]", "fe80::1", "febf::1", "fc00::1", "fd12:3456::1", "ff02::1",
                     "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:a9fe:a9fe", "::127.0.0.1", "64:ff9b::10.0.0.1"] {
            let address = NetworkAddress(text)
            #expect(address != nil, "\(text) parses")
            #expect(address?.nonPublicReason != nil, "\(text) is not public")
        }
        for text in ["8.8.8.8", "203.0.113.7", "172.32.0.1", "100.128.0.1", "169.255.0.1", "2001:db8::1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            let address = NetworkAddress(text)
            #expect(address != nil, "\(text) parses")
            #expect(address?.nonPublicReason == nil, "\(text) is public")
        }
        for text in ["example.com", "1.2.3", "256.1.1.1", "1.2.3.4.5", ":::", "1::2::3", "12345::", "01.2.3.4x"] {
            #expect(NetworkAddress(text) == nil, "\(text) is not an IP literal")
        }
        #expect(NetworkAddress("::ffff:127.0.0.1")?.description == "0:0:0:0:0:ffff:7f00:1")
        #expect(NetworkAddress("10.1.2.3")?.description == "10.1.2.3")
    }

    @Test func failuresAreRetriedOnTheScheduleWithJitterUntilThreeDays() {
        let schedule = WebhookRetrySchedule.standard
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect((1...9).map { schedule.delay(afterAttempt: $0) } == [5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000])
        #expect(schedule.afterFailure(attempt: 1, firstAttempt: start, now: start, random: 0.5) == .retry(at: start.addingTimeInterval(5)))
        #expect(schedule.afterFailure(attempt: 1, firstAttempt: start, now: start, random: 0) == .retry(at: start.addingTimeInterval(4.5)))
        #expect(schedule.afterFailure(attempt: 2, firstAttempt: start, now: start, random: 1) == .retry(at: start.addingTimeInterval(330)))
        #expect(schedule.after(succeeded: true, attempt: 12, firstAttempt: start, now: start.addingTimeInterval(80 * 3600), random: 0.5) == .succeeded)
        #expect(schedule.after(succeeded: false, attempt: 1, firstAttempt: start, now: start, random: 0.5) == .retry(at: start.addingTimeInterval(5)))
        // Without jitter: attempts at 0, 5 s, 5 min 5 s, … the 12th at about 67.6 h; the next would pass 72 h.
        var now = start, attempts = 0
        while true {
            attempts += 1
            guard case .retry(let next) = schedule.afterFailure(attempt: attempts, firstAttempt: start, now: now, random: 0.5) else { break }
            now = next
        }
        #expect(attempts == 12)
        #expect(now.timeIntervalSince(start) > 67 * 3600 && now.timeIntervalSince(start) < 68 * 3600)
        #expect(schedule.disablesEndpoint(failingSince: start, now: start.addingTimeInterval(72 * 3600), deliveryFailed: false, firstAttempt: start))
        #expect(!schedule.disablesEndpoint(failingSince: start, now: start.addingTimeInterval(71 * 3600), deliveryFailed: false, firstAttempt: start))
        #expect(schedule.disablesEndpoint(failingSince: start, now: start.addingTimeInterval(68 * 3600), deliveryFailed: true, firstAttempt: start))
        #expect(!schedule.disablesEndpoint(failingSince: start.addingTimeInterval(1), now: start.addingTimeInterval(68 * 3600), deliveryFailed: true,
                                            firstAttempt: start), "a success since the delivery's first attempt")
    }
}
