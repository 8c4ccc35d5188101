"""The record page warns, in Chinese first, when the camera clock was off standard time on the record's evidence."""
from __future__ import annotations

from tests.traffic.web.signin import form_token, sign_in


def test_the_record_page_warns_of_a_fast_or_slow_camera_clock_and_is_quiet_otherwise(client, session, town) -> None:
    fast, slow, on_time = town.east_records[:3]
    fast.clock_skew_s, slow.clock_skew_s = 3.44, -12.0
    session.flush()
    assert sign_in(client, "east_reviewer").status_code == 303

    page = client.get(f"/records/{fast.record_no}").text
    assert 'id="clock-skew"' in page and "相机时钟快于标准时间 3.4 秒" in page
    page = client.get(f"/records/{slow.record_no}").text
    assert "抓拍时间比服务器接收时间早 12.0 秒" in page and "延迟上传" in page
    assert 'id="clock-skew"' not in client.get(f"/records/{on_time.record_no}").text

    token = form_token(client, "/review")
    client.post("/language", data={"language": "en", "csrf_token": token, "next": "/review"})
    page = client.get(f"/records/{fast.record_no}").text
    assert "Camera clock 3.4 s ahead of standard time (GA/T 832 allows 1 s)" in page
