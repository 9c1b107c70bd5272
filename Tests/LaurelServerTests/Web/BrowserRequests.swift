import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

extension HTTPFixture.Client {
    /// A request as a browser sends it to the console or the portal: no API key, the given
    /// headers (`Cookie`, `Origin`, `Accept-Language`), and `form` as an urlencoded body.
    func browser(_ method: HTTPRequest.Method, _ path: String, form: [(String, String)]? = nil,
                 headers extra: HTTPFields = [:]) async throws -> Answer {
        var headers = extra
        var body: ByteBuffer?
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&"))
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }
}

extension HTTPFixture.Client.Answer {
    /// The `Set-Cookie` values of the answer.
    var setCookies: [String] { headers[values: .setCookie] }

    /// `name=value` of the cookie `name` the answer sets, for the next request's `Cookie` header.
    func cookie(_ name: String) -> String? {
        setCookies.lazy.compactMap { $0.split(separator: ";").first.map(String.init) }.first { $0.hasPrefix("\(name)=") }
    }
}
