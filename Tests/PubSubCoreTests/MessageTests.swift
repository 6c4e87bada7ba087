import Foundation
import PubSubCore
import Testing

@Suite("JSON protocol messages")
struct MessageTests {
    @Test(
        "decodes every client request, Python-style spacing included",
        arguments: [
            (#"{"type":"joinGroup","group":"room1","ackId":1}"#, ClientMessage.joinGroup(group: "room1", ackId: 1)),
            (#"{"type":"leaveGroup","group":"room1"}"#, .leaveGroup(group: "room1", ackId: nil)),
            (#"{"type": "sendToGroup", "group": "g1", "ackId": 3, "dataType": "text", "data": "hi", "noEcho": false}"#,
                .sendToGroup(group: "g1", data: .text("hi"), ackId: 3, noEcho: false)),
            (#"{"type":"sendToGroup","group":"room1","dataType":"json","data":{"x":[1,2]},"noEcho":true}"#,
                .sendToGroup(group: "room1", data: .json(.object(["x": .array([.integer(1), .integer(2)])])), ackId: nil, noEcho: true)),
            (#"{"type":"sendToGroup","group":"room1","ackId":4,"dataType":"binary","data":"AAH+/w=="}"#,
                .sendToGroup(group: "room1", data: .binary(Data([0, 1, 0xFE, 0xFF])), ackId: 4, noEcho: false)),
            (#"{"type":"sendToGroup","group":"g","data":null}"#, .sendToGroup(group: "g", data: .json(.null), ackId: nil, noEcho: false)),
            (#"{"type":"event","event":"chat","ackId":5,"dataType":"json","data":{"text":"hello"}}"#,
                .event(event: "chat", data: .json(.object(["text": .string("hello")])), ackId: 5)),
            (#"{"type":"sequenceAck","sequenceId":17}"#, .sequenceAck(sequenceId: 17)),
            (#"{"type":"sequenceAck","sequenceId":"17"}"#, .sequenceAck(sequenceId: 17)),
            (#"{"type":"ping"}"#, .ping),
            (#"{"type":"invoke","invocationId":"1"}"#, .unknown(type: "invoke", ackId: nil)),
            (#"{"type":"invoke","ackId":12}"#, .unknown(type: "invoke", ackId: 12)),
        ]
    )
    func decodesClientMessages(frame: String, expected: ClientMessage) throws {
        #expect(try ClientMessage.decode(Data(frame.utf8)) == expected)
        // And survives a round trip through its own encoding and through Codable.
        #expect(try ClientMessage.decode(Data(expected.encoded().utf8)) == expected)
        let viaCodable = try JSONDecoder().decode(ClientMessage.self, from: JSONEncoder().encode(expected))
        #expect(viaCodable == expected)
    }

    @Test(
        "a malformed request names the problem and keeps its ackId",
        arguments: [
            ("not json", nil as UInt64?, "not valid JSON"),
            ("[1,2]", nil, "not a JSON object"),
            (#"{"group":"g"}"#, nil, "no \"type\""),
            (#"{"type":"joinGroup","ackId":7}"#, 7, "joinGroup needs a \"group\""),
            (#"{"type":"sendToGroup","group":"g","ackId":8,"dataType":"text","data":5}"#, 8, "JSON string when dataType is text"),
            (#"{"type":"sendToGroup","group":"g","ackId":9,"dataType":"binary","data":"***"}"#, 9, "base64"),
            (#"{"type":"sendToGroup","group":"g","ackId":10,"dataType":"xml","data":"a"}"#, 10, "dataType \"xml\""),
            (#"{"type":"sendToGroup","group":"g","ackId":11}"#, 11, "no \"data\""),
            (#"{"type":"joinGroup","group":"g","ackId":-1}"#, nil, "ackId must be"),
            (#"{"type":"sequenceAck"}"#, nil, "sequenceId"),
        ]
    )
    func malformedRequests(frame: String, ackId: UInt64?, fragment: String) {
        let problem = #expect(throws: MessageDecodingProblem.self) { try ClientMessage.decode(Data(frame.utf8)) }
        #expect(problem?.ackId == ackId)
        #expect(problem?.reason.contains(fragment) == true, "reason: \(problem?.reason ?? "")")
    }

    @Test(
        "control messages encode in the service's member order and decode back",
        arguments: [
            (ControlMessage.ack(ackId: 3, success: true, error: nil), ServiceMessage.ack(ackId: 3, success: true, error: nil), #"{"type":"ack","ackId":3,"success":true}"#),
            (.ack(ackId: 4, success: false, error: AckError(name: "Forbidden", message: "No permission to send to group 'room1'.")),
                .ack(ackId: 4, success: false, error: AckError(name: "Forbidden", message: "No permission to send to group 'room1'.")),
                #"{"type":"ack","ackId":4,"success":false,"error":{"message":"No permission to send to group 'room1'.","name":"Forbidden"}}"#),
            (.connected(connectionId: "aB3xYz_Conn1", userId: "alice", reconnectionToken: nil),
                .connected(connectionId: "aB3xYz_Conn1", userId: "alice", reconnectionToken: nil),
                #"{"type":"system","event":"connected","userId":"alice","connectionId":"aB3xYz_Conn1"}"#),
            (.connected(connectionId: "c", userId: nil, reconnectionToken: "tok"), .connected(connectionId: "c", userId: nil, reconnectionToken: "tok"),
                #"{"type":"system","event":"connected","connectionId":"c","reconnectionToken":"tok"}"#),
            (.disconnected(message: "Closed by app server"), .disconnected(message: "Closed by app server"),
                #"{"type":"system","event":"disconnected","message":"Closed by app server"}"#),
            (.pong, .pong, #"{"type":"pong"}"#),
        ]
    )
    func encodesControlMessages(control: ControlMessage, decoded: ServiceMessage, json: String) throws {
        #expect(control.encoded() == json)
        #expect(try ServiceMessage.decode(Data(json.utf8)) == decoded)
        #expect(try JSONDecoder().decode(ServiceMessage.self, from: Data(json.utf8)) == decoded)
    }

    @Test(
        "data messages decode, with their sequence ids",
        arguments: [
            (#"{"type":"message","from":"group","group":"room1","fromUserId":"alice","dataType":"json","data":{"x":[1,2]}}"#,
                ServiceMessage.groupMessage(group: "room1", fromUserId: "alice", data: .json(.object(["x": .array([.integer(1), .integer(2)])])), sequenceId: nil)),
            (#"{"type":"message","from":"server","dataType":"text","data":"Hello"}"#, .serverMessage(data: .text("Hello"), sequenceId: nil)),
            (#"{"sequenceId":12,"type":"message","from":"server","dataType":"binary","data":"AAH+/w=="}"#,
                .serverMessage(data: .binary(Data([0, 1, 0xFE, 0xFF])), sequenceId: 12)),
            (#"{"sequenceId":1,"type":"message","from":"group","group":"g","dataType":"text","data":"line1\nline2 \"q\" ✓ /"}"#,
                .groupMessage(group: "g", fromUserId: nil, data: .text("line1\nline2 \"q\" ✓ /"), sequenceId: 1)),
        ]
    )
    func decodesDataMessages(json: String, message: ServiceMessage) throws {
        #expect(try ServiceMessage.decode(Data(json.utf8)) == message)
    }

    @Test("unknown service message types and system events decode to an explicit case")
    func unknownServiceMessages() throws {
        #expect(try ServiceMessage.decode(Data(#"{"type":"invokeResponse","invocationId":"1"}"#.utf8)) == .unknown(type: "invokeResponse"))
        #expect(try ServiceMessage.decode(Data(#"{"type":"system","event":"reloading"}"#.utf8)) == .unknown(type: "system/reloading"))
        #expect(throws: MessageDecodingProblem.self) { try ServiceMessage.decode(Data(#"{"type":"message","from":"group","dataType":"text","data":"x"}"#.utf8)) }
    }
}

@Suite("Client message decoding paths")
struct ClientMessageDecodingTests {
    @Test(
        "the JSONSerialization fast path decodes exactly as the Decodable path",
        arguments: [
            #"{"type":"joinGroup","group":"g","ackId":1}"#,
            #"{"type": "sendToGroup", "group": "g1", "ackId": 3, "dataType": "text", "data": "hi", "noEcho": false}"#,
            #"{"type":"sendToGroup","group":"g","dataType":"json","data":{"x":[1,2.5,-3,true,null,"é\u00e9"],"big":12345678901234567890,"f":1.0}}"#,
            #"{"type":"sendToGroup","group":"g","dataType":"json","data":1e2}"#,
            #"{"type":"sendToGroup","group":"g","dataType":"binary","data":"AAH+/w=="}"#,
            #"{"type":"event","event":"e","dataType":"json","data":[{"a":{}}],"ackId":18446744073709551615}"#,
            #"{"type":"sequenceAck","sequenceId":17}"#,
            #"{"type":"ping"}"#,
            #"{"type":"joinGroup","group":"g","ackId":1.0}"#,
            #"{"type":"joinGroup","group":"g","ackId":-1}"#,
            #"{"type":"joinGroup","group":"g","ackId":true}"#,
            #"{"type":"sendToGroup","group":"g","noEcho":1,"data":"x"}"#,
            #"{"type":"whatever","ackId":2}"#,
            #"{"group":"g"}"#,
        ]
    )
    func sameAsDecodable(frame: String) throws {
        let slow: Result<ClientMessage, MessageDecodingProblem>
        do {
            slow = .success(try ClientMessage.interpret(try JSONDecoder().decode(JSONValue.self, from: Data(frame.utf8))))
        } catch let problem as MessageDecodingProblem {
            slow = .failure(problem)
        }
        let fast: Result<ClientMessage, MessageDecodingProblem>
        do {
            fast = .success(try ClientMessage.decode(Data(frame.utf8)))
        } catch {
            fast = .failure(error)
        }
        #expect(fast == slow)
    }

    @Test("frames that are not JSON objects are refused with what they are", arguments: ["[1]", "\"x\"", "{", ""])
    func notObjects(frame: String) {
        #expect(throws: MessageDecodingProblem.self) { try ClientMessage.decode(Data(frame.utf8)) }
    }
}

@Suite("JSONValue")
struct JSONValueTests {
    @Test(
        "the direct writer gives JSONEncoder's text",
        arguments: [
            JSONValue.string("plain"), .string(""), .string("a/b"), .string("é 中文 🎉"), .string("\u{2028}\u{2029}"),
            .string("quote \" backslash \\"), .string("tab\tnewline\n"), .string("\u{7F}del"), .string("\u{1}"),
            .integer(0), .integer(-12), .integer(Int64.max), .integer(Int64.min), .bool(true), .bool(false), .null,
        ]
    )
    func directWriter(value: JSONValue) {
        #expect(value.compactJSONString() == value.encoderJSONString())
    }

    @Test("every JSON kind decodes to its own case, nested too")
    func kinds() throws {
        let text = #"{"s":"x","i":-12,"big":12345678901234,"b":true,"f":false,"d":1.5,"n":null,"a":[1,"y",false,2.5,null],"o":{"k":{"deep":["z"]}}}"#
        let value = try JSONValue.parse(Array(text.utf8), what: "test")
        let expected: JSONValue = .object([
            "s": .string("x"), "i": .integer(-12), "big": .integer(12_345_678_901_234), "b": .bool(true), "f": .bool(false),
            "d": .number(1.5), "n": .null, "a": .array([.integer(1), .string("y"), .bool(false), .number(2.5), .null]),
            "o": .object(["k": .object(["deep": .array([.string("z")])])]),
        ])
        #expect(value == expected)
        // The JSONSerialization path (token parts) tells the same kinds apart.
        #expect(JSONValue.parseObject(Data(text.utf8)).map(JSONValue.object) == expected)
        // Beyond Int64 a number is a double; a whole number written 1.0 is an integer, as Decodable reads it.
        #expect(JSONValue.parseObject(Data(#"{"huge":18446744073709551615,"one":1.0}"#.utf8)) == ["huge": .number(18_446_744_073_709_551_615), "one": .integer(1)])
        #expect(JSONValue.parseObject(Data("[1]".utf8)) == nil)
        #expect(JSONValue.parseObject(Data("{".utf8)) == nil)
        #expect(try JSONValue.parse(Array("[]".utf8), what: "test") == .array([]))
        #expect(try JSONValue.parse(Array("{}".utf8), what: "test") == .object([:]))
        #expect(throws: PubSubError.self) { try JSONValue.parse(Array("{".utf8), what: "test") }
    }
}
