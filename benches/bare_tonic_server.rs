//! The framework's own limit: a bare tonic 0.14 server of the same shape as
//! `leadscore serve` (same `leadscore.v1` messages, codec and message-size
//! limits) whose handlers return precomputed answers without scoring, plus
//! the fixtures and a correctness check that `benches/run.sh` drives.
//!
//! - `--write-fixtures DIR`: writes `DIR/models/` (the 30-type benchmark
//!   model) and the gRPC-framed request bodies `DIR/*.bin` for h2load.
//! - `--listen ADDR --fixtures DIR`: serves; each answer is the real
//!   scorer's answer to that fixture, computed once at start.
//! - `--check ADDR --fixtures DIR`: calls a server with every fixture and
//!   fails unless each call is OK (grpc-status 0) with the expected answer.
//!
//! Without those flags (e.g. under `cargo bench`) it does nothing.

mod support;

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};

use leadscore::grpc::convert;
use leadscore::lead::ValidLead;
use leadscore::pb::v1 as pb;
use leadscore::pb::v1::scoring_service_client::ScoringServiceClient;
use leadscore::pb::v1::scoring_service_server::{ScoringService, ScoringServiceServer};
use leadscore::scoring::Scorer;
use prost::Message;
use tonic::{Request, Response, Status};

/// The same allocator as the `leadscore` binary, so the two servers differ
/// only in the work done per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Res<T> = Result<T, Box<dyn Error>>;
const MAX_BYTES: usize = leadscore::server::MAX_MESSAGE_BYTES;
/// (file, lead id or batch size) of each `ScoreLead` fixture.
const SINGLE: [(&str, &str, usize); 2] = [
    ("score_lead_hot.bin", "bench-hot", support::HOT_ACTIVITIES),
    (
        "score_lead_heavy.bin",
        "bench-heavy",
        support::HEAVY_ACTIVITIES,
    ),
];
const BATCH_FILE: &str = "score_leads_1000.bin";

/// Canned answers, keyed by lead id (`ScoreLead`) and batch size (`ScoreLeads`).
struct Bare {
    single: HashMap<String, pb::ScoreLeadResponse>,
    batch: HashMap<usize, pb::ScoreLeadsResponse>,
}

#[tonic::async_trait]
impl ScoringService for Bare {
    async fn score_lead(
        &self,
        request: Request<pb::ScoreLeadRequest>,
    ) -> Result<Response<pb::ScoreLeadResponse>, Status> {
        let id = request.get_ref().lead.as_ref().map(|l| l.lead_id.as_str());
        match id.and_then(|id| self.single.get(id)) {
            Some(answer) => Ok(Response::new(answer.clone())),
            None => Err(Status::not_found("no canned answer for this lead")),
        }
    }

    async fn score_leads(
        &self,
        request: Request<pb::ScoreLeadsRequest>,
    ) -> Result<Response<pb::ScoreLeadsResponse>, Status> {
        match self.batch.get(&request.get_ref().leads.len()) {
            Some(answer) => Ok(Response::new(answer.clone())),
            None => Err(Status::not_found("no canned answer for this batch size")),
        }
    }
}

fn write_framed(path: PathBuf, message: &impl Message) -> Res<()> {
    let body = message.encode_to_vec();
    let mut framed = vec![0u8];
    framed.extend_from_slice(&u32::try_from(body.len())?.to_be_bytes());
    framed.extend_from_slice(&body);
    std::fs::write(path, framed)?;
    Ok(())
}

fn read_framed<M: Message + Default>(path: PathBuf) -> Res<M> {
    let bytes = std::fs::read(&path)?;
    let body = bytes
        .get(5..)
        .ok_or("request file shorter than its frame prefix")?;
    Ok(M::decode(body)?)
}

fn write_fixtures(dir: &Path) -> Res<()> {
    std::fs::create_dir_all(dir.join("models"))?;
    support::write_model(&dir.join("models"))?;
    for (file, id, activities) in SINGLE {
        let request = support::request(support::hot_lead(id, activities));
        write_framed(dir.join(file), &request)?;
    }
    let batch = support::batch_request(support::BATCH, support::HOT_ACTIVITIES);
    write_framed(dir.join(BATCH_FILE), &batch)
}

/// The real answer to `lead`, as the service's handler builds it.
fn answer(
    scorer: &Scorer,
    lead: pb::Lead,
    as_of: leadscore::time::Timestamp,
) -> Res<pb::LeadScore> {
    let lead = ValidLead::parse(convert::lead(lead)?, as_of)?;
    let score = scorer.score(&lead, as_of)?;
    Ok(convert::lead_score(score))
}

/// Every fixture request with the answer the real service gives it.
type Expected = (
    Vec<(pb::ScoreLeadRequest, pb::ScoreLeadResponse)>,
    (pb::ScoreLeadsRequest, pb::ScoreLeadsResponse),
);

fn expected(dir: &Path) -> Res<Expected> {
    // `Lifecycle::start` is how the service loads the newest model + rules.
    let lifecycle =
        leadscore::lifecycle::Lifecycle::start(&dir.join("models"), &support::shipped_rules())?;
    let scorer: std::sync::Arc<Scorer> = lifecycle.scorer().load_full();
    let mut single = Vec::new();
    for (file, _, _) in SINGLE {
        let request: pb::ScoreLeadRequest = read_framed(dir.join(file))?;
        let as_of = convert::as_of(request.as_of.as_ref())?;
        let lead = request.lead.clone().ok_or("fixture without lead")?;
        let score = answer(&scorer, lead, as_of)?;
        single.push((request, pb::ScoreLeadResponse { score: Some(score) }));
    }
    let batch: pb::ScoreLeadsRequest = read_framed(dir.join(BATCH_FILE))?;
    let as_of = convert::as_of(batch.as_of.as_ref())?;
    let scores = (batch.leads.iter().cloned())
        .map(|l| answer(&scorer, l, as_of))
        .collect::<Res<_>>()?;
    Ok((single, (batch, pb::ScoreLeadsResponse { scores })))
}

async fn serve(addr: &str, dir: &Path) -> Res<()> {
    let (single, (batch_req, batch_res)) = expected(dir)?;
    let bare = Bare {
        single: (single.into_iter())
            .map(|(q, a)| (q.lead.unwrap_or_default().lead_id, a))
            .collect(),
        batch: HashMap::from([(batch_req.leads.len(), batch_res)]),
    };
    let service = ScoringServiceServer::new(bare)
        .max_decoding_message_size(MAX_BYTES)
        .max_encoding_message_size(MAX_BYTES);
    eprintln!("bare_tonic_server: serving leadscore.v1 on {addr}");
    (tonic::transport::Server::builder().add_service(service))
        .serve(addr.parse()?)
        .await?;
    Ok(())
}

async fn check(addr: &str, dir: &Path) -> Res<()> {
    let (single, (batch_req, batch_res)) = expected(dir)?;
    let mut client = ScoringServiceClient::connect(format!("http://{addr}"))
        .await?
        .max_decoding_message_size(MAX_BYTES)
        .max_encoding_message_size(MAX_BYTES);
    for (request, want) in single {
        let got = client.score_lead(request).await?.into_inner();
        if got != want {
            return Err(format!("{addr}: ScoreLead answer differs from the scorer's").into());
        }
        println!("{addr} ScoreLead OK, {} response bytes", got.encoded_len());
    }
    let got = client.score_leads(batch_req).await?.into_inner();
    if got != batch_res {
        return Err(format!("{addr}: ScoreLeads answer differs from the scorer's").into());
    }
    println!("{addr} ScoreLeads OK, {} response bytes", got.encoded_len());
    Ok(())
}

#[tokio::main]
async fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        let i = args.iter().position(|a| a == name)?;
        args.get(i + 1).map(String::as_str)
    };
    let dir = flag("--fixtures").map(Path::new);
    match (
        flag("--write-fixtures"),
        flag("--listen"),
        flag("--check"),
        dir,
    ) {
        (Some(out), _, _, _) => write_fixtures(Path::new(out)),
        (_, Some(addr), _, Some(dir)) => serve(addr, dir).await,
        (_, _, Some(addr), Some(dir)) => check(addr, dir).await,
        _ => {
            eprintln!("bare_tonic_server: nothing to do; benches/run.sh drives it");
            Ok(())
        }
    }
}
