# The public Exchange how-to this project starts from, as its readers type it (only the paths changed:
# they are relative to this script; the quickstart's make-certs.sh writes input/).
$certArray = New-Object System.Collections.ArrayList
$cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2("input/baptiste.cer")
$certArray.Insert(0, $cert.GetRawCertData())
Set-Mailbox -Identity baptiste -UserCertificate $certArray
New-MailContact -Name CravateRouge_SMIME -ExternalEmailAddress baptiste@cravaterouge.com
Set-MailContact -Identity CravateRouge_SMIME -UserCertificate $certArray
Get-MailContact -Identity CravateRouge_SMIME | select UserCertificate
Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/chain.p7b'))
