"""Deep Linking: an instructor places one of the course's problem sets in the LMS."""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.models import LtiLaunch
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from exercises.authoring.models import ProblemSet
from exercises.lti.selectors import set_total_points
from exercises.lti.services.launches import CUSTOM_SET
from exercises.lti.services.passback import line_item_tag


@dataclass(frozen=True)
class DeepLinkReply:
    """What the browser posts back to the platform: the signed JWT, to its return URL."""

    return_url: str
    jwt: str


def deep_link_reply(
    *, launch: LtiLaunch, problem_set: ProblemSet, launch_url: str
) -> DeepLinkReply:
    """An `ltiResourceLink` to the set (our launch URL, the set's id as a custom parameter),
    with a line item out of the set's total points, signed with our key."""
    points = set_total_points(problem_set=problem_set)
    lineitem = (
        LineItem()
        .set_tag(line_item_tag(problem_set.pk))
        .set_label(problem_set.title_en)
        .set_resource_id(str(problem_set.pk))
        .set_score_maximum(float(points))
    )
    resource = (
        DeepLinkResource()
        .set_type("ltiResourceLink")
        .set_title(problem_set.title_en)
        .set_url(launch_url)
        .set_custom_params({CUSTOM_SET: str(problem_set.pk)})
    )
    if points > 0:  # a line item needs scoreMaximum > 0
        resource.set_lineitem(lineitem)
    deep_link = launch.get_message_launch().get_deep_link()
    settings = launch.get_claim(
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    )
    return DeepLinkReply(
        return_url=str(settings["deep_link_return_url"]),
        jwt=deep_link.get_response_jwt([resource]),
    )
