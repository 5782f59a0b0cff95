"""Line shapes several steps look for: bullets, footnote markers, a phone number alone,
"Label: value" metadata lines."""

from __future__ import annotations

import re

BULLET = re.compile(
    r"^(?P<bullet>[□■◆◇○●◎ㅇ•·∙▸▹▶►▪‣⦁*\-–]|\d{1,2}[.)]|[가-하][.)]|\(\d{1,2}\)|[①-⑳])\s+"
    r"(?P<text>\S.*)$"
)


FOOTNOTE = re.compile(r"^(?P<marker>\*{1,3}|※|†{1,2}|\d{1,2}\)|\[\d{1,2}\])\s*(?P<text>\S.*)$")


PHONE_ONLY = re.compile(
    r"^\(?\s*(?:t|tel|phone|☎|전화|문의)\s*[.:]?\s*(?P<phone>\+?\d[\d\s-]{1,18}\d)\s*\)?$",
    re.IGNORECASE,
)


METADATA_LABEL = re.compile(
    r"^(?P<label>release date|date of release|date|published|posted|updated|contact|contacts|"
    r"press contact|media contact|inquiries|homepage|website|web site|source|author|writer|"
    r"reporter|by|tel|phone|e-mail|email|보도\s*일시|배포\s*일시|보도\s*시점|배포\s*일자|작성일|"
    r"등록일|게시일|문의|담당|담당자|담당\s*부서|홈페이지|출처|작성자|기자|연락처)\s*[:：]\s*"
    r"(?P<value>\S.*)$",
    re.IGNORECASE,
)
