//! A fault-injecting AWS endpoint: a real HTTP/1.1 server on a loopback port that the SDK
//! reaches through `endpoint_url`, over TCP, with picket's own retry and timeout settings.
//!
//! It answers STS GetCallerIdentity, GuardDuty ListDetectors / ListFindings / GetFindings,
//! Security Hub GetFindings and CloudWatch Logs FilterLogEvents from a small world of fixtures,
//! honouring the time windows, id lists, sort order and page tokens the sources send, in pages
//! smaller than they ask for so that every poll paginates. In place of an answer it can reset the
//! connection mid-body, answer 500 or 503, throttle, send JSON cut short, stall, or say the token
//! expired, each in the error shape of the service asked (restJson1 for GuardDuty and Security
//! Hub, awsJson1.1 for CloudWatch Logs, awsQuery for STS).
//!
//! Every request is counted per operation and its JSON body kept, so tests can say how many
//! attempts the SDK made. A request the server does not know gets a 404 that names it, so a
//! test that needs a route this server lacks fails loudly.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-1";
pub const DETECTOR: &str = "d-wire";
pub const STREAM: &str = "111122223333_CloudTrail_us-east-1";

/// The operations this server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    CallerIdentity,
    /// STS AssumeRole: answered with session credentials for any role.
    AssumeRole,
    ListDetectors,
    ListFindings,
    GetGuardDutyFindings,
    GetSecurityHubFindings,
    FilterLogEvents,
    /// Anything else: answered 404 with what was asked.
    Unknown,
}

/// What the server sends instead of the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The status line, the headers (with the full length) and half the body, then a TCP reset.
    Reset,
    /// An HTTP 5xx: 500 and 503 in the service's error shape, any other as a proxy sends it
    /// (an HTML page).
    Status(u16),
    /// The service's throttling error.
    Throttle,
    /// A 200 whose JSON body is cut in half (Content-Length says the cut length).
    Truncated,
    /// The request is read and never answered; the connection stays open.
    Stall,
    /// The status line, the headers and half the body, then nothing more; the connection stays
    /// open.
    StallMidBody,
    /// The service's expired-token error.
    ExpiredToken,
    /// Any error the service sends, in its own shape: the status, AWS's code and message.
    Said(u16, &'static str, &'static str),
}

/// How the service asked encodes its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    /// GuardDuty: `x-amzn-ErrorType` header, `{"message", "__type"}` body.
    GuardDutyRest,
    /// Security Hub: `x-amzn-ErrorType` header, `{"Code", "Message"}` body.
    SecurityHubRest,
    /// CloudWatch Logs: `{"__type", "message"}` body.
    AwsJson,
    /// STS: an XML `ErrorResponse`.
    Query,
}

impl Op {
    fn protocol(self) -> Protocol {
        match self {
            Op::ListDetectors | Op::ListFindings | Op::GetGuardDutyFindings | Op::Unknown => {
                Protocol::GuardDutyRest
            }
            Op::GetSecurityHubFindings => Protocol::SecurityHubRest,
            Op::FilterLogEvents => Protocol::AwsJson,
            Op::CallerIdentity | Op::AssumeRole => Protocol::Query,
        }
    }
}

/// One GuardDuty or Security Hub finding of the world.
#[derive(Clone, Debug)]
pub struct Held {
    pub id: String,
    pub updated_at: Timestamp,
}

/// One CloudWatch Logs event of the world.
#[derive(Clone, Debug)]
pub struct HeldEvent {
    pub group: String,
    pub id: String,
    pub at: Timestamp,
}

#[derive(Default)]
struct World {
    guardduty: Vec<Held>,
    securityhub: Vec<Held>,
    events: Vec<HeldEvent>,
}

/// A fault scripted for one operation: the next `pass` requests of it are answered, every one
/// after fails, until cleared.
#[derive(Clone, Copy, Debug)]
struct Script {
    op: Op,
    pass: usize,
    fault: Fault,
}

struct State {
    world: World,
    /// Items per page at most, whatever the request asks for.
    page: usize,
    /// GuardDuty has a detector (it is enabled).
    detector: bool,
    script: Option<Script>,
    calls: HashMap<Op, usize>,
    faulted: HashMap<Op, usize>,
    bodies: Vec<(Op, Value)>,
}

pub struct FaultServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    /// Bumped to let go of stalled connections.
    release: watch::Sender<u64>,
    accept: JoinHandle<()>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.accept.abort();
        self.release.send_modify(|n| *n += 1);
    }
}

impl FaultServer {
    /// Listens on a free loopback port, serving from the runtime it is started on.
    pub async fn start() -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for the fault server");
        let addr = listener.local_addr().expect("its address");
        let state = Arc::new(Mutex::new(State {
            world: World::default(),
            page: 2,
            detector: true,
            script: None,
            calls: HashMap::new(),
            faulted: HashMap::new(),
            bodies: Vec::new(),
        }));
        let (release, _) = watch::channel(0);
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&state), release.clone()));
        FaultServer {
            addr,
            state,
            release,
            accept,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Items per page the server answers with at most.
    pub fn set_page(&self, page: usize) {
        self.state().page = page.max(1);
    }

    /// GuardDuty is not enabled: ListDetectors answers no detector.
    pub fn without_detector(&self) {
        self.state().detector = false;
    }

    pub fn add_guardduty(&self, findings: impl IntoIterator<Item = Held>) {
        self.state().world.guardduty.extend(findings);
    }

    pub fn add_securityhub(&self, findings: impl IntoIterator<Item = Held>) {
        self.state().world.securityhub.extend(findings);
    }

    pub fn add_events(&self, events: impl IntoIterator<Item = HeldEvent>) {
        self.state().world.events.extend(events);
    }

    /// From now on, answers the next `pass` requests of `op`, then fails every one with `fault`.
    pub fn fail_after(&self, op: Op, pass: usize, fault: Fault) {
        self.state().script = Some(Script { op, pass, fault });
    }

    /// Answers everything again, and lets go of stalled connections.
    pub fn clear(&self) {
        self.state().script = None;
        self.release.send_modify(|n| *n += 1);
    }

    /// Requests of `op` received so far (every attempt counts).
    pub fn calls(&self, op: Op) -> usize {
        self.state().calls.get(&op).copied().unwrap_or(0)
    }

    /// Requests of `op` answered with a fault so far.
    pub fn faulted(&self, op: Op) -> usize {
        self.state().faulted.get(&op).copied().unwrap_or(0)
    }

    /// The JSON bodies of the requests of `op`, in order.
    pub fn bodies(&self, op: Op) -> Vec<Value> {
        self.state()
            .bodies
            .iter()
            .filter(|(o, _)| *o == op)
            .map(|(_, b)| b.clone())
            .collect()
    }
}

/// The fixture lock holds plain data; a failed assertion elsewhere cannot corrupt it.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn accept_loop(listener: TcpListener, state: Arc<Mutex<State>>, release: watch::Sender<u64>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(serve(stream, Arc::clone(&state), release.subscribe()));
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn op(&self) -> Op {
        let path = self.path.split('?').next().unwrap_or("");
        let body = String::from_utf8_lossy(&self.body);
        match (self.method.as_str(), self.header("x-amz-target"), path) {
            (_, Some("Logs_20140328.FilterLogEvents"), _) => Op::FilterLogEvents,
            ("POST", None, "/") if body.contains("Action=GetCallerIdentity") => Op::CallerIdentity,
            ("POST", None, "/") if body.contains("Action=AssumeRole") => Op::AssumeRole,
            ("GET", None, "/detector") => Op::ListDetectors,
            ("POST", None, "/findings") => Op::GetSecurityHubFindings,
            ("POST", None, p) if p.starts_with("/detector/") && p.ends_with("/findings/get") => {
                Op::GetGuardDutyFindings
            }
            ("POST", None, p) if p.starts_with("/detector/") && p.ends_with("/findings") => {
                Op::ListFindings
            }
            _ => Op::Unknown,
        }
    }
}

/// Reads one request; None when the client went away first.
async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut request = Request {
        method,
        path,
        headers,
        body: buffer[head_end + 4..].to_vec(),
    };
    assert!(
        request.header("transfer-encoding").is_none(),
        "the fault server reads Content-Length bodies only: {:?}",
        request.headers
    );
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while request.body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        request.body.extend_from_slice(&chunk[..n]);
    }
    Some(request)
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, content_type: &str, body: &Value) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.to_string().into_bytes(),
        }
    }

    fn head(&self, length: usize) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {length}\r\nx-amzn-RequestId: wire-test\r\nConnection: close\r\n\r\n"
        ));
        head.into_bytes()
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>, mut release: watch::Receiver<u64>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let op = request.op();
    let (fault, answer) = {
        let mut state = lock(&state);
        *state.calls.entry(op).or_default() += 1;
        // JSON bodies as JSON; the query protocol's forms (STS) as their text.
        let body = serde_json::from_slice::<Value>(&request.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&request.body).into_owned()));
        state.bodies.push((op, body));
        let fault = match &mut state.script {
            Some(script) if script.op == op && script.pass > 0 => {
                script.pass -= 1;
                None
            }
            Some(script) if script.op == op => Some(script.fault),
            _ => None,
        };
        if fault.is_some() {
            *state.faulted.entry(op).or_default() += 1;
        }
        (fault, answer(&state, op, &request))
    };
    let _ = match fault {
        None => send(&mut stream, &answer, &answer.body).await,
        Some(Fault::Reset) => {
            let half = &answer.body[..answer.body.len() / 2];
            let _ = stream.write_all(&answer.head(answer.body.len())).await;
            let _ = stream.write_all(half).await;
            let _ = stream.flush().await;
            // SO_LINGER 0: closing sends RST instead of FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
            return;
        }
        Some(Fault::Truncated) => {
            let half = answer.body[..answer.body.len() / 2].to_vec();
            send(&mut stream, &answer, &half).await
        }
        Some(fault @ (Fault::Stall | Fault::StallMidBody)) => {
            if fault == Fault::StallMidBody {
                let _ = stream.write_all(&answer.head(answer.body.len())).await;
                let _ = stream
                    .write_all(&answer.body[..answer.body.len() / 2])
                    .await;
                let _ = stream.flush().await;
            }
            // Hold the connection until the client gives up on it or the test lets go.
            let mut sink = [0u8; 1024];
            loop {
                tokio::select! {
                    read = stream.read(&mut sink) => if !matches!(read, Ok(n) if n > 0) { return },
                    _ = release.changed() => return,
                }
            }
        }
        Some(Fault::Status(status)) if status != 500 && status != 503 => {
            let page = Response {
                status,
                headers: vec![("Content-Type", "text/html".to_string())],
                body: format!("<html><body><h1>{status}</h1>The proxy could not reach the service.</body></html>").into_bytes(),
            };
            send(&mut stream, &page, &page.body).await
        }
        Some(fault) => {
            let error = error_for(op, fault);
            send(&mut stream, &error, &error.body).await
        }
    };
}

async fn send(stream: &mut TcpStream, response: &Response, body: &[u8]) -> std::io::Result<()> {
    stream.write_all(&response.head(body.len())).await?;
    stream.write_all(body).await?;
    stream.flush().await?;
    stream.shutdown().await
}

/// The error a service sends for `fault`, in its own shape.
fn error_for(op: Op, fault: Fault) -> Response {
    let protocol = op.protocol();
    let (status, code, message) = match (fault, protocol) {
        (Fault::Status(500), Protocol::GuardDutyRest) => {
            (500, "InternalServerErrorException", "Internal server error")
        }
        (Fault::Status(500), Protocol::SecurityHubRest) => {
            (500, "InternalException", "Internal service failure")
        }
        (Fault::Status(500), _) => (500, "InternalFailure", "Internal service failure"),
        (Fault::Status(status), _) => (status, "ServiceUnavailable", "Service unavailable"),
        (Fault::Throttle, Protocol::AwsJson) => (400, "ThrottlingException", "Rate exceeded"),
        (Fault::Throttle, Protocol::Query) => (400, "Throttling", "Rate exceeded"),
        (Fault::Throttle, _) => (429, "TooManyRequestsException", "Rate exceeded"),
        (Fault::ExpiredToken, Protocol::Query) => (
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
        (Fault::ExpiredToken, Protocol::AwsJson) => (
            400,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ),
        (Fault::ExpiredToken, _) => (
            403,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ),
        (Fault::Said(status, code, message), _) => (status, code, message),
        (Fault::Reset | Fault::Truncated | Fault::Stall | Fault::StallMidBody, _) => {
            unreachable!("{fault:?} is not an error answer")
        }
    };
    error_response(protocol, status, code, message)
}

fn error_response(protocol: Protocol, status: u16, code: &str, message: &str) -> Response {
    match protocol {
        Protocol::GuardDutyRest => {
            let mut r = Response::json(
                status,
                "application/json",
                &json!({"message": message, "__type": code}),
            );
            r.headers.push(("x-amzn-ErrorType", code.to_string()));
            r
        }
        Protocol::SecurityHubRest => {
            let mut r = Response::json(
                status,
                "application/json",
                &json!({"Code": code, "Message": message}),
            );
            r.headers.push(("x-amzn-ErrorType", code.to_string()));
            r
        }
        Protocol::AwsJson => Response::json(
            status,
            "application/x-amz-json-1.1",
            &json!({"__type": code, "message": message}),
        ),
        Protocol::Query => Response {
            status,
            headers: vec![("Content-Type", "text/xml".to_string())],
            body: format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>wire-test</RequestId></ErrorResponse>"
            )
            .into_bytes(),
        },
    }
}

/// The answer a healthy service gives, from the world.
fn answer(state: &State, op: Op, request: &Request) -> Response {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    match op {
        Op::CallerIdentity => Response {
            status: 200,
            headers: vec![("Content-Type", "text/xml".to_string())],
            body: format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/analyst</Arn><UserId>AIDAWIRETEST</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>wire-test</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
            )
            .into_bytes(),
        },
        Op::ListDetectors => Response::json(
            200,
            "application/json",
            &json!({"detectorIds": if state.detector { vec![DETECTOR] } else { vec![] }}),
        ),
        Op::ListFindings => list_findings(state, &body),
        Op::GetGuardDutyFindings => {
            let wanted: Vec<&str> = body["findingIds"]
                .as_array()
                .map(|ids| ids.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let records: Vec<Value> = wanted
                .iter()
                .filter_map(|id| state.world.guardduty.iter().find(|f| f.id == *id))
                .map(guardduty_record)
                .collect();
            Response::json(200, "application/json", &json!({"findings": records}))
        }
        Op::GetSecurityHubFindings => security_hub_findings(state, &body),
        Op::FilterLogEvents => filter_log_events(state, &body),
        Op::AssumeRole => Response {
            status: 200,
            headers: vec![("Content-Type", "text/xml".to_string())],
            body: "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIAWIRETEST</AccessKeyId><SecretAccessKey>wire-secret</SecretAccessKey><SessionToken>wire-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::444455556666:assumed-role/Admin/picket</Arn><AssumedRoleId>AROAWIRE:picket</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>wire-test</RequestId></ResponseMetadata></AssumeRoleResponse>".as_bytes().to_vec(),
        },
        Op::Unknown => error_response(
            Protocol::GuardDutyRest,
            404,
            "UnknownOperationException",
            &format!(
                "the fault server has no route for {} {} (target {:?})",
                request.method,
                request.path,
                request.header("x-amz-target")
            ),
        ),
    }
}

/// One page from `items`, starting at the offset the token names; the next token when more.
fn page<T: Clone>(
    items: &[T],
    token: Option<&str>,
    asked: Option<u64>,
    page: usize,
) -> (Vec<T>, Option<String>) {
    let start: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
    let size = asked.map_or(page, |a| page.min(a as usize)).max(1);
    let end = (start + size).min(items.len());
    let slice = items.get(start..end).map(<[T]>::to_vec).unwrap_or_default();
    let next = (end < items.len()).then(|| end.to_string());
    (slice, next)
}

fn list_findings(state: &State, body: &Value) -> Response {
    let criterion = &body["findingCriteria"]["criterion"];
    let since = criterion["updatedAt"]["greaterThanOrEqual"].as_i64();
    let until = criterion["updatedAt"]["lessThanOrEqual"].as_i64();
    let mut matching: Vec<&Held> = state
        .world
        .guardduty
        .iter()
        .filter(|f| since.is_none_or(|s| f.updated_at.as_millisecond() >= s))
        .filter(|f| until.is_none_or(|u| f.updated_at.as_millisecond() <= u))
        .collect();
    matching.sort_by_key(|f| (f.updated_at, f.id.clone()));
    if body["sortCriteria"]["orderBy"].as_str() != Some("ASC") {
        matching.reverse();
    }
    let ids: Vec<String> = matching.iter().map(|f| f.id.clone()).collect();
    let (ids, next) = page(
        &ids,
        body["nextToken"].as_str(),
        body["maxResults"].as_u64(),
        state.page,
    );
    let mut out = json!({"findingIds": ids});
    if let Some(next) = next {
        out["nextToken"] = json!(next);
    }
    Response::json(200, "application/json", &out)
}

fn security_hub_findings(state: &State, body: &Value) -> Response {
    let filters = &body["Filters"];
    let bound = |key: &str| {
        filters["UpdatedAt"][0][key]
            .as_str()
            .and_then(|t| t.parse::<Timestamp>().ok())
    };
    let (start, end) = (bound("Start"), bound("End"));
    let ids: Vec<&str> = filters["Id"]
        .as_array()
        .map(|f| f.iter().filter_map(|v| v["Value"].as_str()).collect())
        .unwrap_or_default();
    let mut matching: Vec<&Held> = state
        .world
        .securityhub
        .iter()
        .filter(|f| start.is_none_or(|s| f.updated_at >= s))
        .filter(|f| end.is_none_or(|e| f.updated_at <= e))
        .filter(|f| ids.is_empty() || ids.contains(&f.id.as_str()))
        .collect();
    matching.sort_by_key(|f| (f.updated_at, f.id.clone()));
    matching.reverse();
    let (matching, next) = page(
        &matching,
        body["NextToken"].as_str(),
        body["MaxResults"].as_u64(),
        state.page,
    );
    let records: Vec<Value> = matching.into_iter().map(asff_record).collect();
    let mut out = json!({"Findings": records});
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Response::json(200, "application/json", &out)
}

fn filter_log_events(state: &State, body: &Value) -> Response {
    let group = body["logGroupName"].as_str().unwrap_or("");
    let start = body["startTime"].as_i64().unwrap_or(i64::MIN);
    let end = body["endTime"].as_i64().unwrap_or(i64::MAX);
    let mut matching: Vec<&HeldEvent> = state
        .world
        .events
        .iter()
        .filter(|e| e.group == group)
        .filter(|e| (start..=end).contains(&e.at.as_millisecond()))
        .collect();
    matching.sort_by_key(|e| (e.at, e.id.clone()));
    let (matching, next) = page(
        &matching,
        body["nextToken"].as_str(),
        body["limit"].as_u64(),
        state.page,
    );
    let events: Vec<Value> = matching.into_iter().map(log_record).collect();
    let mut out = json!({"events": events, "searchedLogStreams": []});
    if let Some(next) = next {
        out["nextToken"] = json!(next);
    }
    Response::json(200, "application/x-amz-json-1.1", &out)
}

fn iso(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A GuardDuty finding as GetFindings returns it.
pub fn guardduty_record(f: &Held) -> Value {
    json!({"id": f.id, "accountId": ACCOUNT, "arn": format!("arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/{DETECTOR}/finding/{}", f.id),
        "type": "Recon:EC2/PortProbeUnprotectedPort", "severity": 5, "region": REGION, "partition": "aws",
        "title": format!("port probe {}", f.id), "description": "unprotected port probed",
        "createdAt": "2026-01-15T08:00:00.000Z", "updatedAt": iso(f.updated_at), "schemaVersion": "2.0",
        "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-0wire"}},
        "service": {"count": 1, "archived": false, "detectorId": DETECTOR,
            "eventFirstSeen": "2026-01-15T08:00:00.000Z", "eventLastSeen": iso(f.updated_at)}})
}

/// A Security Hub finding in ASFF, as GetFindings returns it.
pub fn asff_record(f: &Held) -> Value {
    json!({"SchemaVersion": "2018-10-08", "Id": f.id, "AwsAccountId": ACCOUNT,
        "ProductArn": format!("arn:aws:securityhub:{REGION}::product/aws/securityhub"),
        "GeneratorId": "wire-test", "Types": ["Software and Configuration Checks"],
        "Title": format!("control failed {}", f.id), "Description": "a control failed",
        "CreatedAt": "2026-01-15T08:00:00.000Z", "UpdatedAt": iso(f.updated_at),
        "Severity": {"Label": "HIGH", "Normalized": 70}, "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"}, "Resources": [{"Type": "Other", "Id": "resource-wire"}]})
}

/// A CloudTrail record as FilterLogEvents returns it.
pub fn log_record(e: &HeldEvent) -> Value {
    let record = json!({"eventVersion": "1.08", "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject", "eventTime": iso(e.at), "eventType": "AwsApiCall",
        "awsRegion": REGION, "recipientAccountId": ACCOUNT, "eventID": e.id,
        "userIdentity": {"type": "IAMUser", "userName": "wire"}});
    json!({"logStreamName": STREAM, "timestamp": e.at.as_millisecond(),
        "message": record.to_string(), "ingestionTime": e.at.as_millisecond(), "eventId": e.id})
}

/// The SDK's sleeps (retry backoff, attempt and operation timeouts, connect timeout) run
/// `factor` times faster than asked: the SDK keeps the durations picket configures, and a test
/// of a 20-second timeout takes a fraction of a second.
#[derive(Clone, Copy, Debug)]
pub struct Hurried {
    pub factor: u32,
}

impl aws_sdk_guardduty::config::AsyncSleep for Hurried {
    fn sleep(&self, duration: Duration) -> aws_sdk_guardduty::config::Sleep {
        let factor = self.factor.max(1);
        aws_sdk_guardduty::config::Sleep::new(tokio::time::sleep(duration / factor))
    }
}
