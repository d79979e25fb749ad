//! GuardDuty findings of the demo, as the GuardDuty API returns them (camelCase JSON).

use serde_json::{Value, json};

use super::Scene;
use super::hostile;
use super::org::{
    self, BUCKET_PURPOSES, CLUSTERS, DATABASES, FUNCTIONS, HOSTILE_HOSTS, INSTANCE_NAMES,
    RemoteHost, USERS, hex_id,
};

#[derive(Clone, Copy)]
pub enum Res {
    Instance,
    AccessKey,
    Bucket,
    Eks,
    Ecs,
    Lambda,
    Rds,
}

#[derive(Clone, Copy)]
pub enum Act {
    /// Outbound (true) or inbound connection on a port.
    Connection(bool, u32, &'static str),
    Probe(u32),
    Dns(&'static str),
    Api(&'static str, &'static str),
    Kube(&'static str, &'static str),
    RdsLogin,
    /// Runtime monitoring: a process did something.
    Process(&'static str, &'static str),
    Sequence,
}

pub struct Template {
    pub kind: &'static str,
    pub severity: f64,
    pub weight: u32,
    pub resource: Res,
    pub action: Act,
    pub feature: &'static str,
    /// `{r}` the resource, `{ip}` the remote address, `{x}` the action's detail.
    pub title: &'static str,
    pub description: &'static str,
}

/// One row of the template table, one argument per column.
#[allow(clippy::too_many_arguments)]
const fn t(
    kind: &'static str,
    severity: f64,
    weight: u32,
    resource: Res,
    action: Act,
    feature: &'static str,
    title: &'static str,
    description: &'static str,
) -> Template {
    Template {
        kind,
        severity,
        weight,
        resource,
        action,
        feature,
        title,
        description,
    }
}

use Act::*;
use Res::*;

pub const TEMPLATES: &[Template] = &[
    t(
        "Recon:EC2/PortProbeUnprotectedPort",
        2.0,
        30,
        Instance,
        Probe(22),
        "FlowLogs",
        "Unprotected port on EC2 instance {r} is being probed.",
        "EC2 instance {r} has an unprotected port 22 that is being probed by a known malicious host, {ip}.",
    ),
    t(
        "Recon:EC2/Portscan",
        5.0,
        6,
        Instance,
        Connection(true, 445, "TCP"),
        "FlowLogs",
        "EC2 instance {r} is performing outbound port scans against remote host {ip}.",
        "EC2 instance {r} is scanning ports on {ip}, which can mean it is compromised and used for reconnaissance.",
    ),
    t(
        "UnauthorizedAccess:EC2/SSHBruteForce",
        2.0,
        20,
        Instance,
        Connection(false, 22, "TCP"),
        "FlowLogs",
        "{ip} is performing SSH brute force attacks against {r}.",
        "{ip} is repeatedly trying to log in to {r} over SSH. Brute force attempts that succeed lead to remote access.",
    ),
    t(
        "UnauthorizedAccess:EC2/RDPBruteForce",
        2.0,
        8,
        Instance,
        Connection(false, 3389, "TCP"),
        "FlowLogs",
        "{ip} is performing RDP brute force attacks against {r}.",
        "{ip} is repeatedly trying to log in to {r} over RDP.",
    ),
    t(
        "UnauthorizedAccess:EC2/TorClient",
        8.0,
        3,
        Instance,
        Connection(true, 9001, "TCP"),
        "FlowLogs",
        "EC2 instance {r} is communicating with Tor entry node {ip}.",
        "EC2 instance {r} connects to the Tor network, which may be used to hide unauthorized activity.",
    ),
    t(
        "Backdoor:EC2/C&CActivity.B!DNS",
        8.0,
        3,
        Instance,
        Dns("update-check.example-c2.net"),
        "DnsLogs",
        "EC2 instance {r} is querying a domain name associated with a known command and control server.",
        "EC2 instance {r} queried {x}, a domain used by command and control servers of known malware.",
    ),
    t(
        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        8.0,
        4,
        Instance,
        Dns("pool.example-mining.org"),
        "DnsLogs",
        "EC2 instance {r} is querying a domain name that is associated with Bitcoin-related activity.",
        "EC2 instance {r} queried {x}, a cryptocurrency mining pool. Unless mining is intended, the instance may be compromised.",
    ),
    t(
        "Trojan:EC2/DNSDataExfiltration",
        8.0,
        2,
        Instance,
        Dns("a3f9c2.exfil.example-tunnel.com"),
        "DnsLogs",
        "EC2 instance {r} is attempting to exfiltrate data through DNS queries.",
        "EC2 instance {r} sends long, encoded DNS queries to {x}, a pattern of data exfiltration over DNS.",
    ),
    t(
        "Trojan:EC2/BlackholeTraffic",
        5.0,
        3,
        Instance,
        Connection(true, 80, "TCP"),
        "FlowLogs",
        "EC2 instance {r} is attempting to communicate with an IP address of a black hole.",
        "EC2 instance {r} tried to reach {ip}, an address of a remote host known as a black hole.",
    ),
    t(
        "Impact:EC2/PortSweep",
        8.0,
        2,
        Instance,
        Connection(true, 3306, "TCP"),
        "FlowLogs",
        "EC2 instance {r} is performing a port sweep on remote hosts.",
        "EC2 instance {r} is probing the same port on many hosts, including {ip}.",
    ),
    t(
        "Behavior:EC2/NetworkPortUnusual",
        5.0,
        5,
        Instance,
        Connection(true, 6667, "TCP"),
        "FlowLogs",
        "EC2 instance {r} is communicating on an unusual server port 6667.",
        "EC2 instance {r} talks to {ip} on a port it has never used before.",
    ),
    t(
        "Impact:EC2/SuspiciousDomainRequest.Reputation",
        5.0,
        5,
        Instance,
        Dns("login-verify.example-phish.info"),
        "DnsLogs",
        "EC2 instance {r} is querying a domain name with a low reputation score.",
        "EC2 instance {r} queried {x}, a domain with a low reputation score.",
    ),
    t(
        "Backdoor:EC2/DenialOfService.Udp",
        8.0,
        1,
        Instance,
        Connection(true, 53, "UDP"),
        "FlowLogs",
        "EC2 instance {r} is behaving in a manner that may indicate it is being used to perform a Denial of Service (DoS) attack using UDP protocol.",
        "EC2 instance {r} sends a large volume of UDP traffic to {ip}.",
    ),
    t(
        "DefenseEvasion:EC2/UnusualDoHActivity",
        5.0,
        2,
        Instance,
        Connection(true, 443, "TCP"),
        "FlowLogs",
        "EC2 instance {r} is performing DNS-over-HTTPS requests to an unusual server.",
        "EC2 instance {r} resolves names through {ip} over HTTPS, bypassing the VPC resolver and its logging.",
    ),
    t(
        "Recon:IAMUser/MaliciousIPCaller",
        5.0,
        6,
        AccessKey,
        Api("ListBuckets", "s3.amazonaws.com"),
        "CloudTrail",
        "Reconnaissance API {x} was invoked from a known malicious IP address {ip}.",
        "A reconnaissance API was called with access key {r} from {ip}, an address on a threat list.",
    ),
    t(
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        8.0,
        2,
        AccessKey,
        Api("DescribeInstances", "ec2.amazonaws.com"),
        "CloudTrail",
        "Credentials for instance role used from external IP address {ip}.",
        "Temporary credentials of an EC2 instance role (key {r}) were used from {ip}, outside AWS.",
    ),
    t(
        "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
        5.0,
        3,
        AccessKey,
        Api("ConsoleLogin", "signin.amazonaws.com"),
        "CloudTrail",
        "Multiple worldwide successful console logins for {u}.",
        "{u} signed in to the console from {ip} shortly after signing in from a distant place.",
    ),
    t(
        "Policy:IAMUser/RootCredentialUsage",
        2.0,
        6,
        AccessKey,
        Api("GetAccountSummary", "iam.amazonaws.com"),
        "CloudTrail",
        "API {x} was invoked using root credentials.",
        "The root user of this account called {x}. Root credentials should be locked away and unused.",
    ),
    t(
        "Stealth:IAMUser/CloudTrailLoggingDisabled",
        2.0,
        2,
        AccessKey,
        Api("StopLogging", "cloudtrail.amazonaws.com"),
        "CloudTrail",
        "AWS CloudTrail trail org-trail was disabled.",
        "{u} called StopLogging on trail org-trail with key {r}, from {ip}.",
    ),
    t(
        "Stealth:IAMUser/PasswordPolicyChange",
        2.0,
        2,
        AccessKey,
        Api("UpdateAccountPasswordPolicy", "iam.amazonaws.com"),
        "CloudTrail",
        "Account password policy was weakened.",
        "{u} lowered the minimum password length and removed the symbol requirement.",
    ),
    t(
        "Discovery:IAMUser/AnomalousBehavior",
        2.0,
        5,
        AccessKey,
        Api("ListRoles", "iam.amazonaws.com"),
        "CloudTrail",
        "The API {x} was used to gain information about resources in an unusual way.",
        "{u} enumerated roles and policies at a rate and from a location never seen for this principal.",
    ),
    t(
        "PenTest:IAMUser/KaliLinux",
        5.0,
        2,
        AccessKey,
        Api("GetCallerIdentity", "sts.amazonaws.com"),
        "CloudTrail",
        "API {x} was invoked from a Kali Linux computer.",
        "Access key {r} was used from a machine running Kali Linux, a penetration-testing distribution.",
    ),
    t(
        "CredentialAccess:IAMUser/AnomalousBehavior",
        5.0,
        2,
        AccessKey,
        Api("GetSecretValue", "secretsmanager.amazonaws.com"),
        "CloudTrail",
        "The API {x} was used to access credentials in an unusual way.",
        "{u} read secrets it has never read before, from {ip}.",
    ),
    t(
        "Persistence:IAMUser/AnomalousBehavior",
        5.0,
        2,
        AccessKey,
        Api("CreateAccessKey", "iam.amazonaws.com"),
        "CloudTrail",
        "The API {x} was used to create a new access key in an unusual way.",
        "{u} created an access key for another user from {ip}, a pattern of an attacker keeping access.",
    ),
    t(
        "PrivilegeEscalation:IAMUser/AnomalousBehavior",
        5.0,
        1,
        AccessKey,
        Api("AttachUserPolicy", "iam.amazonaws.com"),
        "CloudTrail",
        "The API {x} was used to escalate privileges in an unusual way.",
        "{u} attached AdministratorAccess to itself.",
    ),
    t(
        "UnauthorizedAccess:IAMUser/TorIPCaller",
        5.0,
        2,
        AccessKey,
        Api("ListUsers", "iam.amazonaws.com"),
        "CloudTrail",
        "API {x} was invoked from Tor exit node IP address {ip}.",
        "Access key {r} was used through the Tor network.",
    ),
    t(
        "Policy:S3/BucketBlockPublicAccessDisabled",
        2.0,
        4,
        Bucket,
        Api("PutBucketPublicAccessBlock", "s3.amazonaws.com"),
        "CloudTrail",
        "Amazon S3 Block Public Access was disabled for S3 bucket {r}.",
        "{u} turned off Block Public Access on {r}.",
    ),
    t(
        "Policy:S3/BucketPublicAccessGranted",
        5.0,
        3,
        Bucket,
        Api("PutBucketPolicy", "s3.amazonaws.com"),
        "CloudTrail",
        "Amazon S3 public access was granted for the S3 bucket {r}.",
        "A bucket policy that grants access to everyone was put on {r}.",
    ),
    t(
        "Policy:S3/BucketAnonymousAccessGranted",
        8.0,
        1,
        Bucket,
        Api("PutBucketAcl", "s3.amazonaws.com"),
        "CloudTrail",
        "Amazon S3 bucket {r} was granted anonymous access.",
        "An ACL granting AllUsers read access was put on {r}.",
    ),
    t(
        "Exfiltration:S3/AnomalousBehavior",
        8.0,
        2,
        Bucket,
        Api("GetObject", "s3.amazonaws.com"),
        "S3DataEvents",
        "Anomalous GetObject calls retrieved objects from S3 bucket {r}.",
        "{u} downloaded an unusual volume of objects from {r} from {ip}.",
    ),
    t(
        "Discovery:S3/MaliciousIPCaller",
        8.0,
        2,
        Bucket,
        Api("ListObjects", "s3.amazonaws.com"),
        "S3DataEvents",
        "S3 API {x} was invoked from a known malicious IP address {ip}.",
        "Objects of {r} were listed from a known malicious address.",
    ),
    t(
        "Impact:S3/AnomalousBehavior.Delete",
        8.0,
        1,
        Bucket,
        Api("DeleteObjects", "s3.amazonaws.com"),
        "S3DataEvents",
        "Anomalous DeleteObjects calls deleted objects from S3 bucket {r}.",
        "{u} deleted many objects from {r} in an unusual way, a pattern of ransomware or sabotage.",
    ),
    t(
        "Stealth:S3/ServerAccessLoggingDisabled",
        2.0,
        2,
        Bucket,
        Api("PutBucketLogging", "s3.amazonaws.com"),
        "CloudTrail",
        "Server access logging was disabled for S3 bucket {r}.",
        "{u} turned off server access logging on {r}.",
    ),
    t(
        "Discovery:Kubernetes/SuccessfulAnonymousAccess",
        5.0,
        2,
        Eks,
        Kube("get", "/api/v1/secrets"),
        "EksAuditLogs",
        "An anonymous user listed secrets in EKS cluster {r}.",
        "The unauthenticated system:anonymous user called {x} on cluster {r} from {ip} and succeeded.",
    ),
    t(
        "Policy:Kubernetes/ExposedDashboard",
        5.0,
        2,
        Eks,
        Kube("get", "/api/v1/namespaces/kubernetes-dashboard/services"),
        "EksAuditLogs",
        "Kubernetes dashboard for cluster {r} is exposed to the Internet.",
        "The dashboard service of {r} is reachable through a public load balancer.",
    ),
    t(
        "PrivilegeEscalation:Kubernetes/PrivilegedContainer",
        5.0,
        2,
        Eks,
        Kube("create", "/api/v1/namespaces/default/pods"),
        "EksAuditLogs",
        "A privileged container was launched on EKS cluster {r}.",
        "A pod with a privileged container was created on {r}, giving it root on the node.",
    ),
    t(
        "Execution:Kubernetes/ExecInKubeSystemPod",
        5.0,
        1,
        Eks,
        Kube(
            "create",
            "/api/v1/namespaces/kube-system/pods/coredns-5d/exec",
        ),
        "EksAuditLogs",
        "A command was executed inside a pod in the kube-system namespace on EKS cluster {r}.",
        "Someone ran a shell inside a kube-system pod of {r}.",
    ),
    t(
        "Execution:Runtime/ReverseShell",
        8.0,
        1,
        Instance,
        Process("bash", "/usr/bin/bash"),
        "RuntimeMonitoring",
        "A process on EC2 instance {r} opened a reverse shell.",
        "bash on {r} connected its input and output to {ip}, a reverse shell.",
    ),
    t(
        "Impact:Runtime/CryptoMinerExecuted",
        8.0,
        1,
        Instance,
        Process("xmrig", "/tmp/.x/xmrig"),
        "RuntimeMonitoring",
        "A cryptocurrency miner was executed on EC2 instance {r}.",
        "xmrig started from /tmp on {r}.",
    ),
    t(
        "PrivilegeEscalation:Runtime/DockerSocketAccessed",
        5.0,
        1,
        Ecs,
        Process("curl", "/usr/bin/curl"),
        "RuntimeMonitoring",
        "A process inside a container in ECS cluster {r} accessed the Docker socket.",
        "A task of {r} talked to /var/run/docker.sock, which gives control of the host.",
    ),
    t(
        "CryptoCurrency:Lambda/BitcoinTool.B",
        8.0,
        1,
        Lambda,
        Connection(true, 3333, "TCP"),
        "LambdaNetworkLogs",
        "Lambda function {r} is querying an IP address that is associated with cryptocurrency-related activity.",
        "Lambda function {r} connected to {ip}, a mining pool.",
    ),
    t(
        "UnauthorizedAccess:Lambda/TorClient",
        8.0,
        1,
        Lambda,
        Connection(true, 9001, "TCP"),
        "LambdaNetworkLogs",
        "Lambda function {r} is connecting to Tor entry node {ip}.",
        "Lambda function {r} connects to the Tor network.",
    ),
    t(
        "CredentialAccess:RDS/MaliciousIPCaller.FailedLogin",
        5.0,
        2,
        Rds,
        RdsLogin,
        "RdsLoginEvents",
        "A known malicious IP address {ip} made unsuccessful login attempts on database {r}.",
        "{ip} failed to log in to {r} many times.",
    ),
    t(
        "CredentialAccess:RDS/AnomalousBehavior.SuccessfulBruteForce",
        8.0,
        1,
        Rds,
        RdsLogin,
        "RdsLoginEvents",
        "A user logged in to database {r} after an unusual number of failed attempts.",
        "After many failures from {ip}, a login to {r} succeeded: a brute force that worked.",
    ),
    t(
        "AttackSequence:IAM/CompromisedCredentials",
        9.2,
        1,
        AccessKey,
        Sequence,
        "ExtendedThreatDetection",
        "Potential credential compromise indicated by a sequence of actions.",
        "A sequence of actions with access key {r} — discovery from {ip}, a new access key, CloudTrail stopped — indicates the credentials are compromised.",
    ),
    t(
        "AttackSequence:S3/CompromisedData",
        9.5,
        1,
        Bucket,
        Sequence,
        "ExtendedThreatDetection",
        "Potential data compromise of S3 bucket {r} indicated by a sequence of actions.",
        "Public access was enabled on {r}, objects were listed and downloaded from {ip}: a data compromise in progress.",
    ),
    t(
        "AttackSequence:EKS/CompromisedCluster",
        9.4,
        1,
        Eks,
        Sequence,
        "ExtendedThreatDetection",
        "Potential compromise of EKS cluster {r} indicated by a sequence of actions.",
        "Anonymous access, a privileged pod and calls to a command and control host on {r}.",
    ),
    t(
        "AttackSequence:ECS/CompromisedCluster",
        9.1,
        1,
        Ecs,
        Sequence,
        "ExtendedThreatDetection",
        "Potential compromise of ECS cluster {r} indicated by a sequence of actions.",
        "A cryptominer and Docker socket access across tasks of {r}.",
    ),
    t(
        "AttackSequence:EC2/CompromisedInstanceGroup",
        9.0,
        1,
        Instance,
        Sequence,
        "ExtendedThreatDetection",
        "Potential compromise of a group of EC2 instances indicated by a sequence of actions.",
        "Instances including {r} run the same malware and reach the same command and control host {ip}.",
    ),
];

pub fn pick(rng: &mut fastrand::Rng) -> &'static Template {
    let total: u32 = TEMPLATES.iter().map(|t| t.weight).sum();
    let mut n = rng.u32(0..total);
    for template in TEMPLATES {
        if n < template.weight {
            return template;
        }
        n -= template.weight;
    }
    &TEMPLATES[0]
}

fn remote(host: &RemoteHost) -> Value {
    json!({
        "ipAddressV4": host.ip,
        "organization": {"asn": host.asn, "asnOrg": host.asn_org, "isp": host.isp, "org": host.isp},
        "country": {"countryCode": host.country_code, "countryName": host.country},
        "city": {"cityName": host.city},
        "geoLocation": {"lat": 0.0, "lon": 0.0}
    })
}

/// The subject of a finding, its JSON and the name used in titles.
struct Subject {
    resource: Value,
    label: String,
    user: String,
}

fn subject(template: &Template, scene: &mut Scene) -> Subject {
    let account = scene.account;
    let rng = &mut *scene.rng;
    let user = USERS[rng.usize(..USERS.len())];
    let root = template.kind.contains("Root");
    let key_details = if root {
        json!({"accessKeyId": org::access_key("ASIA", &[account.id, "root", &scene.serial.to_string()]), "principalId": account.id, "userName": "Root", "userType": "Root"})
    } else if org::hash(&[account.id, user, &scene.serial.to_string()]).is_multiple_of(3) {
        // A third of the keys are role sessions, which the trail's AssumeRole records trace
        // back to the user who assumed the role.
        let session = format!("{user}-session");
        let role_id = org::principal_id("AROA", &[account.id, "AdminRole"]);
        json!({"accessKeyId": org::access_key("ASIA", &[account.id, "AdminRole", &session]), "principalId": format!("{role_id}:{session}"), "userName": "AdminRole", "userType": "AssumedRole"})
    } else {
        json!({"accessKeyId": org::user_key(account.id, user), "principalId": org::principal_id("AIDA", &[account.id, user]), "userName": user, "userType": "IAMUser"})
    };
    let user = if root {
        "Root".to_string()
    } else {
        user.to_string()
    };
    match template.resource {
        Instance => {
            let name = INSTANCE_NAMES[rng.usize(..INSTANCE_NAMES.len())];
            let id = org::instance_id(account.id, name);
            let instance_type = ["t3.medium", "m5.large", "c6i.xlarge"][rng.usize(..3)];
            let team = ["payments", "web", "data", "platform"][rng.usize(..4)];
            let tag_value = if scene.hostile == Some(hostile::Spot::InstanceTag) {
                hostile::TAG.to_string()
            } else {
                name.to_string()
            };
            let resource = json!({
                "resourceType": "Instance",
                "instanceDetails": {
                    "instanceId": id, "instanceType": instance_type,
                    "imageId": format!("ami-0{}", hex_id(org::hash(&[account.id, name, "ami"]), 16)),
                    "availabilityZone": format!("{}a", scene.region), "instanceState": "running",
                    "launchTime": "2025-11-02T08:14:51.000Z", "platform": null,
                    "iamInstanceProfile": {"arn": format!("arn:aws:iam::{}:instance-profile/{name}-profile", account.id), "id": org::principal_id("AIPA", &[account.id, name])},
                    "networkInterfaces": [{
                        "networkInterfaceId": format!("eni-0{}", hex_id(org::hash(&[account.id, name, "eni"]), 16)),
                        "privateIpAddress": format!("10.{}.{}.{}", 16 + rng.u8(..16), rng.u8(..=255), 1 + rng.u8(..254)),
                        "publicIp": format!("198.51.100.{}", 1 + rng.u8(..9)),
                        "subnetId": format!("subnet-0{}", hex_id(org::hash(&[account.id, "subnet"]), 16)),
                        "vpcId": format!("vpc-0{}", hex_id(org::hash(&[account.id, "vpc"]), 16)),
                        "securityGroups": [{"groupId": format!("sg-0{}", hex_id(org::hash(&[account.id, name, "sg"]), 16)), "groupName": format!("{name}-sg")}]
                    }],
                    "tags": [{"key": "Name", "value": tag_value}, {"key": "team", "value": team}]
                }
            });
            Subject {
                resource,
                label: id,
                user,
            }
        }
        AccessKey => {
            let label = key_details["accessKeyId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            Subject {
                resource: json!({"resourceType": "AccessKey", "accessKeyDetails": key_details}),
                label,
                user,
            }
        }
        Bucket => {
            let purpose = BUCKET_PURPOSES[rng.usize(..BUCKET_PURPOSES.len())];
            let name = org::bucket_name(account, purpose);
            let public = template.kind.contains("Public")
                || template.kind.contains("Anonymous")
                || template.kind.contains("CompromisedData");
            let resource = json!({
                "resourceType": "S3Bucket",
                "accessKeyDetails": key_details,
                "s3BucketDetails": [{
                    "arn": format!("arn:aws:s3:::{name}"), "name": name, "type": "Destination",
                    "createdAt": "2024-03-11T10:20:00.000Z",
                    "owner": {"id": hex_id(org::hash(&[account.id, "owner"]), 64)},
                    "defaultServerSideEncryption": {"encryptionType": "AES256"},
                    "publicAccess": {"effectivePermission": if public { "PUBLIC" } else { "NOT_PUBLIC" }},
                    "tags": [{"key": "purpose", "value": purpose}]
                }]
            });
            Subject {
                resource,
                label: name,
                user,
            }
        }
        Eks => {
            let name = CLUSTERS[rng.usize(..CLUSTERS.len())];
            let resource = json!({
                "resourceType": "EKSCluster",
                "eksClusterDetails": {"name": name, "arn": format!("arn:aws:eks:{}:{}:cluster/{name}", scene.region, account.id), "status": "ACTIVE", "createdAt": "2025-06-01T00:00:00.000Z", "tags": [{"key": "team", "value": "platform"}]},
                "kubernetesDetails": {"kubernetesUserDetails": {"username": if template.kind.contains("Anonymous") { "system:anonymous" } else { "kubernetes-admin" }, "uid": "", "groups": ["system:unauthenticated"]}}
            });
            Subject {
                resource,
                label: name.to_string(),
                user,
            }
        }
        Ecs => {
            let name = CLUSTERS[rng.usize(..CLUSTERS.len())];
            let resource = json!({
                "resourceType": "ECSCluster",
                "ecsClusterDetails": {"name": name, "arn": format!("arn:aws:ecs:{}:{}:cluster/{name}", scene.region, account.id), "status": "ACTIVE", "activeServicesCount": 4, "runningTasksCount": 12}
            });
            Subject {
                resource,
                label: name.to_string(),
                user,
            }
        }
        Lambda => {
            let name = FUNCTIONS[rng.usize(..FUNCTIONS.len())];
            let resource = json!({
                "resourceType": "Lambda",
                "lambdaDetails": {"functionName": name, "functionArn": format!("arn:aws:lambda:{}:{}:function:{name}", scene.region, account.id), "functionVersion": "$LATEST", "role": format!("arn:aws:iam::{}:role/LambdaExecution", account.id), "lastModifiedAt": "2025-12-01T00:00:00.000Z"}
            });
            Subject {
                resource,
                label: name.to_string(),
                user,
            }
        }
        Rds => {
            let name = DATABASES[rng.usize(..DATABASES.len())];
            let resource = json!({
                "resourceType": "RDSDBInstance",
                "rdsDbInstanceDetails": {"dbInstanceIdentifier": name, "engine": "aurora-postgresql", "engineVersion": "15.4", "dbClusterIdentifier": format!("{name}-cluster"), "dbInstanceArn": format!("arn:aws:rds:{}:{}:db:{name}", scene.region, account.id)}
            });
            Subject {
                resource,
                label: name.to_string(),
                user,
            }
        }
    }
}

fn action(template: &Template, host: &RemoteHost, scene: &mut Scene) -> (Value, String) {
    let user_agent = if scene.hostile == Some(hostile::Spot::UserAgent) {
        hostile::USER_AGENT
    } else {
        "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64"
    };
    let port_name = |port: u32| match port {
        22 => "SSH",
        80 => "HTTP",
        443 => "HTTPS",
        445 => "SMB",
        3306 => "MYSQL",
        3389 => "RDP",
        _ => "Unknown",
    };
    match template.action {
        Connection(outbound, port, protocol) => {
            let remote_port = if outbound {
                port
            } else {
                30_000 + scene.rng.u32(..30_000)
            };
            let local_port = if outbound {
                30_000 + scene.rng.u32(..30_000)
            } else {
                port
            };
            (
                json!({"actionType": "NETWORK_CONNECTION", "networkConnectionAction": {
                "connectionDirection": if outbound { "OUTBOUND" } else { "INBOUND" }, "protocol": protocol, "blocked": false,
                "localPortDetails": {"port": local_port, "portName": port_name(local_port)},
                "remotePortDetails": {"port": remote_port, "portName": port_name(remote_port)},
                "localIpDetails": {"ipAddressV4": "10.20.1.15"},
                "remoteIpDetails": remote(host)}}),
                String::new(),
            )
        }
        Probe(port) => (
            json!({"actionType": "PORT_PROBE", "portProbeAction": {"blocked": false, "portProbeDetails": [{
            "localPortDetails": {"port": port, "portName": port_name(port)}, "localIpDetails": {"ipAddressV4": "10.20.1.15"},
            "remoteIpDetails": remote(host)}]}}),
            String::new(),
        ),
        Dns(domain) => (
            json!({"actionType": "DNS_REQUEST", "dnsRequestAction": {"domain": domain, "protocol": "UDP", "blocked": false}}),
            domain.to_string(),
        ),
        Api(api, service) => (
            json!({"actionType": "AWS_API_CALL", "awsApiCallAction": {
            "api": api, "serviceName": service, "callerType": "Remote IP", "userAgent": user_agent,
            "remoteIpDetails": remote(host), "affectedResources": {}}}),
            api.to_string(),
        ),
        Kube(verb, uri) => (
            json!({"actionType": "KUBERNETES_API_CALL", "kubernetesApiCallAction": {
            "requestUri": uri, "verb": verb, "sourceIps": [host.ip], "userAgent": "kubectl/v1.29.1 (linux/amd64)", "statusCode": 200,
            "remoteIpDetails": remote(host)}}),
            format!("{verb} {uri}"),
        ),
        RdsLogin => (
            json!({"actionType": "RDS_LOGIN_ATTEMPT", "rdsLoginAttemptAction": {
            "remoteIpDetails": remote(host),
            "loginAttributes": [{"user": "postgres", "application": "psql", "failedLoginAttempts": 40 + scene.rng.u32(..400), "successfulLoginAttempts": u32::from(template.kind.contains("Successful"))}]}}),
            String::new(),
        ),
        Process(..) | Sequence => (Value::Null, String::new()),
    }
}

/// One GuardDuty finding from a template, in the scene's account, region and times.
pub fn finding(template: &Template, scene: &mut Scene) -> Value {
    let host = &HOSTILE_HOSTS[scene.rng.usize(..HOSTILE_HOSTS.len())];
    let subject = subject(template, scene);
    let (action, detail) = action(template, host, scene);
    let fill = |text: &str| {
        text.replace("{r}", &subject.label)
            .replace("{ip}", host.ip)
            .replace("{x}", &detail)
            .replace("{u}", &subject.user)
    };
    let account = scene.account;
    let detector = hex_id(org::hash(&[account.id, scene.region, "detector"]), 32);
    let id = scene.finding_id();
    let mut severity = template.severity;
    if template.weight > 1 && severity < 9.0 {
        // Real severities vary a little within a type's band.
        severity = (severity + f64::from(scene.rng.u8(..9)) / 10.0).min(8.9);
    }
    let mut title = fill(template.title);
    if scene.sample {
        title = format!("[SAMPLE] {title}");
    }
    let mut service = json!({
        "serviceName": "guardduty", "detectorId": detector, "archived": scene.archived,
        "count": scene.count, "eventFirstSeen": scene.first_text(), "eventLastSeen": scene.last_text(),
        "resourceRole": if matches!(template.action, Connection(false, ..) | Probe(_) | RdsLogin) { "TARGET" } else { "ACTOR" },
        "featureName": template.feature,
        "additionalInfo": {"value": if scene.sample { r#"{"sample":true}"# } else { "{}" }, "type": "default", "sample": scene.sample},
        "evidence": {"threatIntelligenceDetails": [{"threatListName": if host.tor { "TorExitNodes" } else { "ProofPoint" }, "threatNames": []}]}
    });
    if !action.is_null() {
        service["action"] = action;
    }
    if let Process(name, path) = template.action {
        service["runtimeDetails"] = json!({"process": {"name": name, "executablePath": path, "pid": 1000 + scene.rng.u32(..30_000), "user": "root", "userId": 0}});
    }
    if let Sequence = template.action {
        service["detection"] = json!({"sequence": {
            "uid": hex_id(org::hash(&[&id, "sequence"]), 32),
            "description": fill(template.description),
            "sequenceIndicators": [
                {"key": "ATTACK_TACTIC", "values": ["Discovery", "Persistence", "Defense Evasion", "Exfiltration"]},
                {"key": "SUSPICIOUS_NETWORK", "values": [host.ip]},
                {"key": "HIGH_RISK_API", "values": ["CreateAccessKey", "StopLogging", "PutBucketPolicy"]}
            ],
            "signals": [
                {"uid": hex_id(org::hash(&[&id, "s1"]), 32), "type": "FINDING", "name": "Recon:IAMUser/MaliciousIPCaller", "description": "Reconnaissance from a malicious address", "count": 3, "severity": 5.0},
                {"uid": hex_id(org::hash(&[&id, "s2"]), 32), "type": "FINDING", "name": "Persistence:IAMUser/AnomalousBehavior", "description": "A new access key was created", "count": 1, "severity": 5.0},
                {"uid": hex_id(org::hash(&[&id, "s3"]), 32), "type": "CLOUD_TRAIL", "name": "StopLogging", "description": "CloudTrail logging stopped", "count": 1,
                 "signalIndicators": [{"key": "ATTACK_TACTIC", "values": ["Defense Evasion"]}, {"key": "HIGH_RISK_API", "values": ["StopLogging"]}]}
            ]
        }});
    }
    json!({
        "schemaVersion": "2.0", "accountId": account.id, "region": scene.region, "partition": "aws",
        "id": id, "arn": format!("arn:aws:guardduty:{}:{}:detector/{detector}/finding/{id}", scene.region, account.id),
        "type": template.kind, "resource": subject.resource, "service": service,
        "severity": severity, "confidence": 5.0, "title": title, "description": fill(template.description),
        "createdAt": scene.first_text(), "updatedAt": scene.last_text()
    })
}

/// A recurrence: the same finding seen again at `at`.
pub fn recur(record: &mut Value, at: &str) {
    let service = &mut record["service"];
    let count = service["count"].as_u64().unwrap_or(1) + 1;
    service["count"] = json!(count);
    service["eventLastSeen"] = json!(at);
    record["updatedAt"] = json!(at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_distinct_and_only_attack_sequences_are_critical() {
        let distinct: std::collections::HashSet<_> = TEMPLATES.iter().map(|t| t.kind).collect();
        assert_eq!(distinct.len(), TEMPLATES.len());
        assert!(distinct.len() >= 30);
        assert_eq!(
            TEMPLATES
                .iter()
                .filter(|t| t.kind.starts_with("AttackSequence:"))
                .count(),
            5
        );
        for t in TEMPLATES {
            let critical = t.severity >= 9.0;
            assert_eq!(
                critical,
                t.kind.starts_with("AttackSequence:"),
                "{}: only attack sequences are critical",
                t.kind
            );
        }
    }
}
