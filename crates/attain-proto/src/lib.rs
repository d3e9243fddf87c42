//! Generated code for Attain's protobuf contracts (`proto/`), one module per package.

/// The encoded `FileDescriptorSet` of every Attain proto, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/attain_descriptor.bin"));

pub mod audit {
    pub mod v1 {
        tonic::include_proto!("attain.audit.v1");
    }
}

pub mod coaching {
    pub mod v1 {
        tonic::include_proto!("attain.coaching.v1");
    }
}

pub mod common {
    pub mod v1 {
        tonic::include_proto!("attain.common.v1");
    }
}

pub mod hiring {
    pub mod v1 {
        tonic::include_proto!("attain.hiring.v1");
    }
}

pub mod metrics {
    pub mod v1 {
        tonic::include_proto!("attain.metrics.v1");
    }
}

pub mod operator {
    pub mod v1 {
        tonic::include_proto!("attain.operator.v1");
    }
}

pub mod org {
    pub mod v1 {
        tonic::include_proto!("attain.org.v1");
    }
}

pub mod scorecard {
    pub mod v1 {
        tonic::include_proto!("attain.scorecard.v1");
    }
}

pub mod webhooks {
    pub mod v1 {
        tonic::include_proto!("attain.webhooks.v1");
    }
}
