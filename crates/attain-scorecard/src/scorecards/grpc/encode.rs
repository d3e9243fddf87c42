//! Encoders shared by the wire modules.

use attain_domain::scorecard::template::{LineTarget, warnings};
use attain_proto::scorecard::v1 as pb;
use attain_runtime::{convert, enums::to_wire};

use crate::scorecards::app::context::Template;

pub fn target(t: &LineTarget) -> pb::Target {
    pb::Target {
        daily: t.spec.daily,
        weekly: t.spec.weekly,
        monthly: t.spec.monthly,
        quarterly: t.spec.quarterly,
        level: t.level,
    }
}

/// A template with its lines and the warnings they give.
pub fn template(t: &Template) -> pb::Template {
    let (r, lines) = (&t.record, &t.lines);
    pb::Template {
        id: r.template_id.to_string(),
        key: r.key.clone(),
        display_name: r.display_name.clone(),
        description: r.description.clone(),
        lines: lines
            .iter()
            .map(|l| pb::TemplateLine {
                metric_key: l.metric_key.clone(),
                section: to_wire(l.section),
                target: Some(target(&l.target)),
                weight: Some(l.weight),
                thresholds: Some(pb::Thresholds {
                    red_below: l.thresholds.red_below,
                    green_from: l.thresholds.green_from,
                }),
            })
            .collect(),
        warnings: warnings(lines),
        create_time: Some(convert::timestamp(r.created_at)),
        update_time: Some(convert::timestamp(r.updated_at)),
        etag: convert::etag(r.revision),
    }
}
