//! AWS Signature Version 4 for remote mode: the deployed function URLs and the optional HTTP
//! API use IAM auth, so a request to them is signed with the caller's AWS credentials (the
//! SDK's default chain: environment, profile, SSO, instance or container role).
//!
//! Which endpoints are signed: a Lambda function URL (`<id>.lambda-url.<region>.on.aws`,
//! service `lambda`) or an API Gateway endpoint (`<id>.execute-api.<region>.amazonaws.com`,
//! service `execute-api`), unless a bearer token is given. `OMNIGRAPH_SIGV4_SERVICE` forces
//! signing for any other host (a custom domain), with the region from `AWS_REGION`.

use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use crate::output::CliError;

/// How to sign requests to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub service: String,
    pub region: String,
}

/// The signing target `host` implies (`forced`: a service name that signs any host).
pub(crate) fn target_for(
    host: &str,
    forced: Option<&str>,
    default_region: Option<&str>,
) -> Option<Target> {
    let labels: Vec<&str> = host.split('.').collect();
    let region_after = |marker: &str| {
        labels
            .iter()
            .position(|l| *l == marker)
            .and_then(|i| labels.get(i + 1))
            .map(|r| r.to_string())
    };
    let detected = if host.ends_with(".on.aws") {
        region_after("lambda-url").map(|region| Target {
            service: "lambda".into(),
            region,
        })
    } else if host.ends_with(".amazonaws.com") {
        region_after("execute-api").map(|region| Target {
            service: "execute-api".into(),
            region,
        })
    } else {
        None
    };
    match (forced.filter(|s| !s.is_empty()), detected) {
        (Some(service), Some(found)) => Some(Target {
            service: service.to_string(),
            region: found.region,
        }),
        (Some(service), None) => default_region.map(|region| Target {
            service: service.to_string(),
            region: region.to_string(),
        }),
        (None, detected) => detected,
    }
}

/// A signer with resolved credentials.
pub(crate) struct Signer {
    target: Target,
    credentials: Credentials,
}

impl Signer {
    pub(crate) fn new(target: Target, credentials: Credentials) -> Self {
        Self {
            target,
            credentials,
        }
    }

    /// Resolves credentials from the default chain.
    pub(crate) async fn from_default_chain(target: Target) -> Result<Self, CliError> {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let provider = config.credentials_provider().ok_or_else(|| {
            CliError::Usage(format!(
                "the endpoint uses IAM auth ({}) and no AWS credentials are configured",
                target.service
            ))
        })?;
        let credentials = provider.provide_credentials().await.map_err(|e| {
            CliError::Usage(format!(
                "the endpoint uses IAM auth ({}); AWS credentials: {e}",
                target.service
            ))
        })?;
        Ok(Self::new(target, credentials))
    }

    /// The headers that sign `method url` with `body` at `time` (`authorization`,
    /// `x-amz-date`, and `x-amz-security-token` for temporary credentials). `headers` are the
    /// request's other headers to include in the signature (`host` is taken from the URL).
    pub(crate) fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        time: SystemTime,
    ) -> Result<Vec<(String, String)>, CliError> {
        let failed = |e: &dyn std::fmt::Display| CliError::Usage(format!("SigV4 signing: {e}"));
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.target.region)
            .name(&self.target.service)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| failed(&e))?
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| failed(&e))?;
        let (instructions, _signature) =
            sign(request, &params).map_err(|e| failed(&e))?.into_parts();
        Ok(instructions
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_come_from_aws_hosts() {
        assert_eq!(
            target_for("abc123.lambda-url.eu-west-1.on.aws", None, None),
            Some(Target {
                service: "lambda".into(),
                region: "eu-west-1".into()
            })
        );
        assert_eq!(
            target_for("x1y2.execute-api.us-east-2.amazonaws.com", None, None),
            Some(Target {
                service: "execute-api".into(),
                region: "us-east-2".into()
            })
        );
        assert_eq!(target_for("127.0.0.1", None, Some("us-east-1")), None);
        assert_eq!(target_for("graph.example.com", None, None), None);
        assert_eq!(
            target_for("graph.example.com", Some("execute-api"), Some("ap-south-1")),
            Some(Target {
                service: "execute-api".into(),
                region: "ap-south-1".into()
            })
        );
        // forced without any region: nothing to sign with
        assert_eq!(target_for("graph.example.com", Some("lambda"), None), None);
    }

    /// The `get-vanilla` case of AWS's published SigV4 test suite (credentials AKIDEXAMPLE,
    /// 2015-08-30T12:36:00Z, us-east-1, service `service`).
    #[test]
    fn signs_the_published_get_vanilla_case() {
        let credentials = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "test",
        );
        let signer = Signer::new(
            Target {
                service: "service".into(),
                region: "us-east-1".into(),
            },
            credentials,
        );
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_440_938_160);
        let headers = signer
            .sign(
                "GET",
                "https://example.amazonaws.com/",
                &[("host", "example.amazonaws.com")],
                b"",
                time,
            )
            .unwrap();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("x-amz-date"), Some("20150830T123600Z"));
        assert_eq!(
            get("authorization"),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            )
        );
    }
}
