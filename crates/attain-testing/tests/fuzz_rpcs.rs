//! Every RPC of every Attain service, called with random messages built from the published
//! descriptors: hostile strings (quotes, SQL, NUL, non-ASCII, huge), ids that exist and ids that
//! do not, out-of-range numbers and enum values, nested messages, lists and maps. Whatever the
//! input, a service must answer with a status that blames the input (or succeed), never
//! INTERNAL, UNKNOWN or DATA_LOSS, nor drop the connection, and must still be serving afterwards.
//! Every fourth call sends random bytes as the whole message instead.
//!
//! `ATTAIN_FUZZ_ROUNDS` sets the calls per method (default 12 in the test suite); a longer run is
//! `ATTAIN_FUZZ_ROUNDS=500 cargo test -p attain-testing --test fuzz_rpcs`. A failure prints the
//! method and the seed that reproduces it.

use bytes::{Buf, BufMut, Bytes};
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, Kind, MapKey, MessageDescriptor, MethodDescriptor, Value};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use tonic::{
    Code, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    transport::Channel,
};

/// Passes message bytes through untouched: the messages are built dynamically.
#[derive(Clone, Copy, Default)]
struct Raw;

impl Codec for Raw {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = Raw;
    type Decoder = Raw;
    fn encoder(&mut self) -> Raw {
        Raw
    }
    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Bytes;
    type Error = Status;
    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Bytes;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// Strings a caller might send, made likely: ids that exist, keys that exist, and trouble.
struct Texts {
    known: Vec<String>,
}

impl Texts {
    fn pick(&self, rng: &mut StdRng) -> String {
        match rng.random_range(0..10) {
            0 => String::new(),
            1 => "'; DROP TABLE org.people; --".into(),
            2 => "%_\\\"\0\u{202e}☃".into(),
            3 => "x".repeat(rng.random_range(0..5_000)),
            4 => uuid::Uuid::now_v7().to_string(),
            5 => ["calls", "revenue_won", "week", "sdr", "*", "display_name"][rng.random_range(0..6)].into(),
            6 => (0..rng.random_range(0..12)).map(|_| rng.random::<char>()).collect(),
            _ => self.known[rng.random_range(0..self.known.len())].clone(),
        }
    }
}

fn number(rng: &mut StdRng) -> i64 {
    match rng.random_range(0..6) {
        0 => 0,
        1 => -1,
        2 => i64::MAX,
        3 => i64::MIN,
        4 => rng.random_range(-3..20),
        _ => rng.random_range(1_600_000_000..1_900_000_000),
    }
}

fn value(kind: &Kind, texts: &Texts, rng: &mut StdRng, depth: u32) -> Value {
    match kind {
        Kind::Double | Kind::Float => {
            let v = [0.0, -1.0, 0.5, 1e308, f64::NAN, 42.0][rng.random_range(0..6)];
            if matches!(kind, Kind::Float) {
                Value::F32(v as f32)
            } else {
                Value::F64(v)
            }
        }
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(number(rng) as i32),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(number(rng)),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(number(rng) as u32),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(number(rng) as u64),
        Kind::Bool => Value::Bool(rng.random()),
        Kind::String => Value::String(texts.pick(rng)),
        Kind::Bytes => Value::Bytes(Bytes::from(texts.pick(rng).into_bytes())),
        Kind::Enum(e) => {
            let values: Vec<i32> = e.values().map(|v| v.number()).collect();
            Value::EnumNumber(if rng.random_range(0..5) == 0 {
                99
            } else {
                values[rng.random_range(0..values.len())]
            })
        }
        Kind::Message(m) => Value::Message(message(m, texts, rng, depth + 1)),
    }
}

fn message(desc: &MessageDescriptor, texts: &Texts, rng: &mut StdRng, depth: u32) -> DynamicMessage {
    let mut msg = DynamicMessage::new(desc.clone());
    if depth > 4 {
        return msg;
    }
    for field in desc.fields() {
        if rng.random_range(0..3) == 0 {
            continue;
        }
        let kind = field.kind();
        let v = if field.is_map() {
            let Kind::Message(entry) = &kind else { continue };
            let (key_field, value_field) = (entry.map_entry_key_field(), entry.map_entry_value_field());
            let mut map = std::collections::HashMap::new();
            for _ in 0..rng.random_range(0..3) {
                let key = match value(&key_field.kind(), texts, rng, depth) {
                    Value::String(s) => MapKey::String(s),
                    Value::I32(i) => MapKey::I32(i),
                    Value::I64(i) => MapKey::I64(i),
                    Value::U32(i) => MapKey::U32(i),
                    Value::U64(i) => MapKey::U64(i),
                    Value::Bool(b) => MapKey::Bool(b),
                    _ => continue,
                };
                map.insert(key, value(&value_field.kind(), texts, rng, depth));
            }
            Value::Map(map)
        } else if field.is_list() {
            Value::List(
                (0..rng.random_range(0..4))
                    .map(|_| value(&kind, texts, rng, depth))
                    .collect(),
            )
        } else {
            value(&kind, texts, rng, depth)
        };
        msg.set_field(&field, v);
    }
    msg
}

/// Statuses that say the server failed rather than the input: INTERNAL, UNKNOWN, DATA_LOSS, or a
/// call that never got an answer (a dropped connection; a peer that is briefly busy says
/// "retry").
fn server_fault(status: &Status) -> bool {
    match status.code() {
        Code::Internal | Code::Unknown | Code::DataLoss => true,
        Code::Unavailable => !status.message().contains("retry"),
        _ => false,
    }
}

fn authorized<T>(message: T, key: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Ok(value) = format!("Bearer {key}").parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

async fn call(channel: Channel, key: &str, method: &MethodDescriptor, body: Bytes) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.map_err(|e| Status::unavailable(e.to_string()))?;
    let path: http::uri::PathAndQuery = format!("/{}/{}", method.parent_service().full_name(), method.name())
        .parse()
        .map_err(|_| Status::internal("bad path"))?;
    let auth = |r| authorized(r, key);
    match (method.is_client_streaming(), method.is_server_streaming()) {
        (false, false) => grpc.unary(auth(body), path, Raw).await.map(drop),
        (true, false) => {
            let stream = tokio_stream::iter(vec![body.clone(), body]);
            grpc.client_streaming(authorized(stream, key), path, Raw)
                .await
                .map(drop)
        }
        (false, true) => {
            let mut stream = grpc.server_streaming(auth(body), path, Raw).await?.into_inner();
            while stream.message().await?.is_some() {}
            Ok(())
        }
        (true, true) => {
            let stream = tokio_stream::iter(vec![body]);
            let mut stream = grpc.streaming(authorized(stream, key), path, Raw).await?.into_inner();
            while stream.message().await?.is_some() {}
            Ok(())
        }
    }
}

#[tokio::test]
async fn random_messages_on_every_rpc_never_make_a_server_fail() {
    let app = attain_testing::TestApp::start().await;
    let tenant = app.tenant("Fuzz").await;
    let mut org = app.org(&tenant.admin_key).await;
    // Ids that exist, so that some calls get past "not found" into deeper paths.
    let team = org
        .create_team(attain_proto::org::v1::CreateTeamRequest {
            team: Some(attain_proto::org::v1::Team {
                display_name: "Fuzzers".into(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .map(|r| r.into_inner().team.map(|t| t.id).unwrap_or_default())
        .unwrap_or_default();
    let person = org
        .create_person(attain_proto::org::v1::CreatePersonRequest {
            person: Some(attain_proto::org::v1::Person {
                display_name: "Fay".into(),
                sales_role: 1,
                team_id: team.clone(),
                ..Default::default()
            }),
            request_id: String::new(),
        })
        .await
        .map(|r| r.into_inner().person.map(|p| p.id).unwrap_or_default())
        .unwrap_or_default();
    let texts = Texts {
        known: vec![team, person, tenant.id.to_string()],
    };

    let pool = DescriptorPool::decode(attain_proto::FILE_DESCRIPTOR_SET).expect("the descriptor set");
    let rounds: u64 = std::env::var("ATTAIN_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(12);
    let mut methods = 0;
    let mut failures = Vec::new();
    for service in pool.services().filter(|s| s.package_name().starts_with("attain.")) {
        let addr = match service.package_name() {
            p if p.starts_with("attain.metrics.") => app.metrics_addr,
            p if p.starts_with("attain.coaching.") => app.coaching_addr,
            p if p.starts_with("attain.hiring.") => app.hiring_addr,
            _ => app.addr,
        };
        let channel = Channel::from_shared(format!("http://{addr}"))
            .expect("url")
            .connect()
            .await
            .expect("connect");
        for method in service.methods() {
            methods += 1;
            for round in 0..rounds {
                let seed = (methods as u64) << 32 | round;
                let mut rng = StdRng::seed_from_u64(seed);
                let body = if round % 4 == 3 {
                    let len = rng.random_range(0..2_000);
                    Bytes::from((0..len).map(|_| rng.random::<u8>()).collect::<Vec<u8>>())
                } else {
                    Bytes::from(message(&method.input(), &texts, &mut rng, 0).encode_to_vec())
                };
                if let Err(status) = call(channel.clone(), &tenant.admin_key, &method, body).await
                    && server_fault(&status)
                {
                    failures.push(format!(
                        "{} (seed {seed}): {:?} {}",
                        method.full_name(),
                        status.code(),
                        status.message()
                    ));
                    break;
                }
            }
        }
    }
    assert!(methods > 100, "only {methods} methods found");
    assert!(
        failures.is_empty(),
        "server faults on random input:\n{}",
        failures.join("\n")
    );

    // Still serving after all of it.
    org.list_teams(attain_proto::org::v1::ListTeamsRequest::default())
        .await
        .expect("still serving");
}
